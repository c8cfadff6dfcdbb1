import HummingbirdCore
import Logging
import NIOCore

/// Wraps a listener's child channel (HTTP, or TLS around HTTP) with the connection cap and the request timeout.
/// The idle timeout is Hummingbird's own (`HTTP1Channel.Configuration.idleTimeout`), which runs from the moment a
/// connection is set up, so it covers the TLS handshake as well as the wait for each request head.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let gauge: ConnectionGauge

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard gauge.admit() else {
            // Closed before any handler or TLS state exists: an over-cap connection costs an accept and a close.
            // Failing the setup drops the channel quietly (NIO's async server channel ignores failed set-ups).
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefused())
        }
        let gauge = self.gauge
        channel.closeFuture.whenComplete { _ in gauge.closed() }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    struct ConnectionRefused: Error {}
}
