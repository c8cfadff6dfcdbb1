import Foundation

/// How long a connection may take and how many may be open at once, on every listener of `rollover serve`.
///
/// Every managed device must reach the listeners, so anyone on that network can open connections; without these
/// bounds a few hundred idle sockets stop enrollment, sync and the console. The defaults hold a fleet of a million
/// devices syncing hourly: about 280 syncs a second, each a connection of well under a second, so even slow
/// mobile links keep a few thousand open at most.
public struct ConnectionLimits: Sendable, Equatable {
    /// From accepting a connection (the TLS handshake included) to its first request head, and from the end of a
    /// response to the next request head on a kept-open connection. Covers a client that sends nothing, half a
    /// ClientHello, a finished handshake and no request, or half a header.
    public var idleTimeout: Duration = .seconds(30)
    /// From a request head to the head of its response: a body that trickles in, or a client that stops reading.
    public var requestTimeout: Duration = .seconds(120)
    /// Open connections across all listeners; a connection over the cap is closed as soon as it is accepted, while
    /// the open ones are served.
    public var maximumConnections: Int = 16_384

    public init() {}

    public init(idleTimeout: Duration, requestTimeout: Duration, maximumConnections: Int) {
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maximumConnections = maximumConnections
    }

    /// File descriptors beyond the connections: the store, log files, outgoing webhook and upstream connections.
    static let descriptorsBesideConnections = 1024

    /// Raises the soft `RLIMIT_NOFILE` towards the hard limit so the connection cap, not the descriptor limit, is
    /// what refuses connections (a 1,024 soft limit is common). Returns the soft limit now in force.
    @discardableResult
    public func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        let wanted = rlim_t(maximumConnections + Self.descriptorsBesideConnections)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}
