import Synchronization

/// The connections open across every listener of one server, and how many were refused over the cap.
public final class ConnectionGauge: Sendable {
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    public let maximum: Int

    public init(maximum: Int) {
        self.maximum = maximum
    }

    /// Counts a new connection in, or answers false (counting it as refused) when the cap is reached.
    func admit() -> Bool {
        let (_, count) = open.add(1, ordering: .relaxed)
        if count <= maximum { return true }
        open.subtract(1, ordering: .relaxed)
        refused.add(1, ordering: .relaxed)
        return false
    }

    func closed() {
        open.subtract(1, ordering: .relaxed)
    }

    public var openConnections: Int { open.load(ordering: .relaxed) }
    public var refusedConnections: Int { refused.load(ordering: .relaxed) }
}
