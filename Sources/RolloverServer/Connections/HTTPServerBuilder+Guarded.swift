import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

extension HTTPServerBuilder {
    /// HTTP/1.1 with the connection limits: Hummingbird's idle timeout, the request deadline and the cap.
    static func guardedHTTP1(limits: ConnectionLimits, gauge: ConnectionGauge) -> HTTPServerBuilder {
        .init { responder in
            GuardedChildChannel(base: HTTP1Channel(responder: responder, configuration: http1Configuration(limits)), gauge: gauge)
        }
    }

    /// HTTPS: TLS around `guardedHTTP1`'s channel, with the cap counted before the TLS handler is set up.
    static func guardedHTTPS(tls: TLSConfiguration, limits: ConnectionLimits, gauge: ConnectionGauge) throws -> HTTPServerBuilder {
        let context = TLSChannelConfiguration(tlsConfiguration: tls)
        return .init { responder in
            let http = HTTP1Channel(responder: responder, configuration: http1Configuration(limits))
            return GuardedChildChannel(base: try TLSChannel(http, configuration: context), gauge: gauge)
        }
    }

    private static func http1Configuration(_ limits: ConnectionLimits) -> HTTP1Channel.Configuration {
        let requestTimeout = limits.requestTimeout
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadlineHandler(timeout: requestTimeout)],
            idleTimeout: TimeAmount(limits.idleTimeout))
    }
}
