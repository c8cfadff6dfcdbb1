import Foundation
import Prometheus
import RolloverStore
import Synchronization

/// The server's Prometheus metrics: seconds to expiry of each active certificate, TLS handshakes served per
/// certificate, HTTP requests by route and status. A registry of its own, so several servers in one test process
/// never share counters.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private static var handshakes: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "tls_handshakes", unitName: "total", helpText: "TLS handshakes served, by certificate")
    }
    private static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by method, matched route and status")
    }
    private static var expiry: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "certificate_expiry", unitName: "seconds", helpText: "Seconds until each active certificate expires")
    }
    private let expiryGauges = Mutex<[String: Gauge]>([:])

    public init() {}

    func handshake(certificateSHA256: String) {
        registry.makeCounter(descriptor: Self.handshakes, labels: [("certificate_sha256", certificateSHA256)]).increment()
    }

    func request(method: String, route: String, status: Int) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", "\(status)")]).increment()
    }

    /// The text exposition, with expiry gauges set for the certificates active now and dropped for the others.
    func render(active: [StoredCertificate], now: Date = Date()) -> String {
        expiryGauges.withLock { gauges in
            var current: [String: Gauge] = [:]
            for certificate in active {
                let gauge = gauges[certificate.sha256] ?? registry.makeGauge(
                    descriptor: Self.expiry,
                    labels: [("certificate_sha256", certificate.sha256), ("host", certificate.hostName ?? "default"), ("source", certificate.source.rawValue)])
                gauge.set(certificate.notAfter.timeIntervalSince(now))
                current[certificate.sha256] = gauge
            }
            for (sha256, gauge) in gauges where current[sha256] == nil { registry.unregisterGauge(gauge) }
            gauges = current
        }
        return registry.emitToString()
    }
}
