import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import RolloverCore
import RolloverStore

/// Posts each alert as JSON to `alert-webhook-url` when set. Delivery runs in its own task with retries and never
/// holds up the lifecycle; an alert that cannot be delivered after the retries is logged (it stays in the store
/// and the admin API either way).
final class AlertWebhook: Sendable {
    private let store: any Store
    private let logger: Logger
    static let attempts = 4

    init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    struct Payload: Encodable {
        var at: Date
        var alert: LifecycleAlert
    }

    func send(_ alert: LifecycleAlert, at: Date) {
        Task { [self] in
            guard let url = try? await store.setting("alert-webhook-url"), !url.isEmpty else { return }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            guard let body = try? encoder.encode(Payload(at: at, alert: alert)) else { return }
            for attempt in 1...Self.attempts {
                do {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(data: body))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    if (200..<300).contains(response.status.code) { return }
                    logger.warning("alert webhook answered \(response.status.code)", metadata: ["attempt": "\(attempt)", "code": "\(alert.code)"])
                } catch {
                    logger.warning("alert webhook failed: \(error)", metadata: ["attempt": "\(attempt)", "code": "\(alert.code)"])
                }
                // 1 s, 4 s, 16 s between attempts.
                try? await Task.sleep(for: .seconds(Int(pow(4.0, Double(attempt - 1)))))
            }
            logger.error("alert webhook gave up after \(Self.attempts) attempts", metadata: ["code": "\(alert.code)", "key": "\(alert.key)"])
        }
    }
}
