import Foundation
import Logging
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import ServiceLifecycle

/// Ticks the lifecycle in real time: at the next instant the lifecycle names (so an activation happens within a
/// second of its time), at least once a minute, and at once when an administrator changes something. Each
/// activation is proven, committed, then swapped into the live certificates; alerts go to the log, the metrics
/// and the webhook.
actor LifecycleScheduler: Service {
    private let context: ServiceContext
    private let engine: LifecycleEngine
    private let live: LiveCertificates
    private let material: TrustMaterial
    private let metrics: ServerMetrics
    private let webhook: AlertWebhook
    private let proofs: ProvenIdentities
    /// Kept in step with the store at every tick (a change made on another node reaches the plain listeners).
    private let httpsMode: HTTPSMode
    private let logger: Logger
    private var wake: AsyncStream<Void>.Continuation?
    /// The longest the scheduler sleeps, for changes made on other nodes and the wall clock's own drift.
    static let longestSleep: TimeInterval = 60

    init(context: ServiceContext, addresses: [ConnectionAddress], live: LiveCertificates, material: TrustMaterial, metrics: ServerMetrics,
         httpsMode: HTTPSMode, logger: Logger) {
        self.context = context
        engine = LifecycleEngine(context, addresses: addresses)
        self.live = live
        self.material = material
        self.metrics = metrics
        webhook = AlertWebhook(store: context.store, logger: logger)
        proofs = ProvenIdentities(context: context)
        self.httpsMode = httpsMode
        self.logger = logger
    }

    /// Runs the lifecycle now instead of at its next instant (after an administrator's change).
    nonisolated func poke() {
        Task { await self.signal() }
    }

    private func signal() { wake?.yield() }

    func run() async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        continuation.yield()
        var timer: Task<Void, Never>?
        // Each wake (the timer at the next instant, or an administrator's poke) runs one tick and sets the next timer.
        for await _ in stream.cancelOnGracefulShutdown() {
            timer?.cancel()
            let next = await runOnce(now: Date())
            let delay = min(max(next.map { $0.timeIntervalSinceNow } ?? Self.longestSleep, 0.05), Self.longestSleep)
            timer = Task {
                guard (try? await Task.sleep(for: .seconds(delay))) != nil else { return }
                continuation.yield()
            }
        }
        timer?.cancel()
    }

    /// One tick; returns when to run next. Failures are logged and retried at the next tick, never fatal.
    /// While HTTPS mode is off the lifecycle activates nothing (see `Lifecycle.decide`); the tick after it is
    /// switched on (the settings change pokes the scheduler) activates what is due.
    @discardableResult
    func runOnce(now: Date) async -> Date? {
        do {
            try await httpsMode.refresh(from: context.store)
            let outcome = try await engine.tick(now: now, prove: proofs.prove)
            for activation in outcome.activations {
                live.install(try await proofs.take(activation.certificate), for: activation.certificate.hostName)
                logger.notice("activated", metadata: [
                    "rollover": "\(activation.rolloverID)", "certificate": "\(activation.certificate.id)",
                    "sha256": "\(activation.certificate.sha256)", "readiness": "\(activation.readiness?.summary ?? "not measured")",
                ])
            }
            for alert in outcome.alerts {
                metrics.alert(alert)
                logger.log(level: alert.severity == .critical ? .error : alert.severity == .warning ? .warning : .notice,
                           "alert: \(alert.message)", metadata: ["code": "\(alert.code)"])
                webhook.send(alert, at: now)
            }
            for rollover in outcome.reissued {
                logger.notice("automatic reissue started", metadata: ["rollover": "\(rollover.id)", "certificate": "\(rollover.certificateID ?? 0)"])
            }
            try await refreshAddressOverlap(now: now)
            if !outcome.withdrawn.isEmpty {
                logger.notice("withdrew trust only retired certificates needed", metadata: ["sha256": "\(outcome.withdrawn.joined(separator: ","))"])
            }
            if !outcome.activations.isEmpty || !outcome.reissued.isEmpty || !outcome.withdrawn.isEmpty { try await material.reload(now: now) }
            return outcome.next
        } catch {
            logger.error("lifecycle tick failed: \(error)")
            return now.addingTimeInterval(5)
        }
    }

    /// After an address change, the old names keep being answered with the certificate that covered them until one
    /// sync period after the switch, so a device that has not synced since reaches the server and learns the new
    /// address. (Clients that send no SNI, such as those connecting to an IP address, get the new default.)
    private func refreshAddressOverlap(now: Date) async throws {
        let syncPeriod = TimeInterval(ServerSettings.wholeNumber("sync-period-seconds", stored: try await context.store.setting("sync-period-seconds")))
        var wanted: [String: StoredCertificate] = [:]
        for overlap in try await AddressOverlap.all(in: context.store, syncPeriod: syncPeriod) where now < overlap.until {
            wanted[overlap.name] = overlap.certificate
        }
        var identities: [String: LiveCertificates.Identity] = [:]
        for (name, certificate) in wanted {
            if let current = live.overlap(for: name), current.sha256 == certificate.sha256 {
                identities[name] = current
            } else {
                identities[name] = try await LiveCertificates.identity(of: certificate, context: context)
            }
        }
        live.replaceOverlap(identities)
    }
}
