import Foundation
import Synchronization

/// Where "now" comes from for every time the store stamps itself (audit rows, created, retired and revoked
/// times): the wall clock in the server and the CLI, virtual time in the fleet simulator, which moves it as its
/// events happen so that a simulated run's audit log holds only virtual times.
public final class TimeSource: Sendable {
    /// The wall clock.
    public static let system = TimeSource()

    /// nil: the wall clock.
    private let virtual: Mutex<Date?>

    private init() { virtual = Mutex(nil) }

    /// A virtual clock standing at `start` until `set` moves it.
    public init(virtualStart start: Date) { virtual = Mutex(start) }

    public func now() -> Date { virtual.withLock { $0 } ?? Date() }

    /// Moves a virtual clock (the wall clock cannot be moved: this does nothing to it).
    public func set(_ date: Date) {
        virtual.withLock { if $0 != nil { $0 = date } }
    }
}
