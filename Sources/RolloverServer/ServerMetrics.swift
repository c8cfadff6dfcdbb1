import Foundation
import Prometheus
import RolloverCore
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
    private static var alerts: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "alerts", unitName: "total", helpText: "Alerts raised by the lifecycle, by code and severity")
    }
    private static var deliveries: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "deliveries", unitName: "devices", helpText: "Deliveries of each open rollover, by state")
    }
    private static var openConnections: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "connections_open", unitName: "", helpText: "Connections open on every listener")
    }
    private static var refusedConnections: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rollover", metricName: "connections_refused", unitName: "total",
                             helpText: "Connections closed at once because the connection cap was reached")
    }
    private let expiryGauges = Mutex<[String: Gauge]>([:])
    private let deliveryGauges = Mutex<[String: Gauge]>([:])
    /// The listeners' connection counts, reported at every scrape.
    let connections: ConnectionGauge?

    public init(connections: ConnectionGauge? = nil) {
        self.connections = connections
    }

    func handshake(certificateSHA256: String) {
        registry.makeCounter(descriptor: Self.handshakes, labels: [("certificate_sha256", certificateSHA256)]).increment()
    }

    func request(method: String, route: String, status: Int) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", "\(status)")]).increment()
    }

    func alert(_ alert: LifecycleAlert) {
        registry.makeCounter(descriptor: Self.alerts, labels: [("code", alert.code), ("severity", alert.severity.rawValue)]).increment()
    }

    /// The text exposition, with expiry gauges set for the certificates active now and delivery gauges for the open
    /// rollovers (rollout progress), each dropped once it no longer applies.
    func render(active: [StoredCertificate], deliveries: [Int64: [DeliveryState: Int]] = [:], now: Date = Date()) -> String {
        deliveryGauges.withLock { gauges in
            var current: [String: Gauge] = [:]
            for (rollover, counts) in deliveries {
                for state in DeliveryState.allCases {
                    let key = "\(rollover)/\(state)"
                    let gauge = gauges[key] ?? registry.makeGauge(descriptor: Self.deliveries, labels: [("rollover", "\(rollover)"), ("state", state.description)])
                    gauge.set(Double(counts[state] ?? 0))
                    current[key] = gauge
                }
            }
            for (key, gauge) in gauges where current[key] == nil { registry.unregisterGauge(gauge) }
            gauges = current
        }
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
        if let connections {
            registry.makeGauge(descriptor: Self.openConnections).set(Double(connections.openConnections))
            registry.makeGauge(descriptor: Self.refusedConnections).set(Double(connections.refusedConnections))
        }
        return registry.emitToString()
    }
}
