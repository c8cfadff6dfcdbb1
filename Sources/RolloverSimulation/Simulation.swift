import Foundation
import RolloverAgent
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import X509

/// `rollover simulate`: a fleet of virtual devices against a real store, in virtual time, running the real
/// lifecycle (`LifecycleEngine`, `RolloverOperations`), the real device API decision (`DeviceSync`) and the real agent
/// core (`ServerTrustEvaluation`, `TrustUpdate`).
///
/// Time: whole seconds from the start (the real time, rounded down). Device syncs are events in a heap; the lifecycle
/// ticks at the instant it names (`LifecycleEngine.Outcome.next`), at least every virtual hour, at the end of an
/// address change's overlap, and at the scenario's start. At equal times the lifecycle goes first.
public enum Simulation {
    public static func run(_ options: SimulationOptions) async throws -> SimulationReport {
        if let problem = options.problem { throw SimulationError(problem) }
        let temporary = options.dataFolder == nil
        let folder = options.dataFolder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rollover-simulate-\(UUID().uuidString)").path
        defer { if temporary { try? FileManager.default.removeItem(atPath: folder) } }
        // A temporary folder gets a master key that lives only in memory; a kept folder gets its master.key file.
        var environment = ProcessInfo.processInfo.environment
        if temporary { environment[MasterKey.environmentVariable] = MasterKey.generate().base64 }
        let context = try await ServiceContext.open(dataFolder: folder, databaseURL: options.databaseURL, environment: environment,
                                                    actor: AuditActor("simulator"))
        do {
            var run = try await SimulationRun(options, context: context)
            let report = try await run.execute()
            try await context.store.close()
            return report
        } catch {
            try? await context.store.close()
            throw error
        }
    }
}

/// One run's state, a value mutated by one task from start to end (a struct, so the hot loop's accesses are checked
/// for exclusivity at compile time rather than on every access).
struct SimulationRun {
    let options: SimulationOptions
    let context: ServiceContext
    let store: any Store
    let engine: LifecycleEngine
    let material: TrustMaterial
    let setup: SimulationSetup
    let start: Date
    let startSeconds: Int64
    let end: Int64
    let windowStart: Int64
    let began: ContinuousClock.Instant

    var random: SimulationRandom
    var fleet: VirtualFleet
    var queue: EventQueue
    var mirror = DeliveryMirror()
    var recorder: SyncRecorder
    var served = ServedCertificates()
    var snapshot: TrustMaterial.Snapshot
    var openColumns: [Int] = []
    /// Settings do not change during a run.
    let policy: LifecyclePolicy
    /// The lifecycle's view of the store as of the last refresh, to tell whether a tick checks readiness.
    var lifecycle: LifecycleState

    var stores: Interned<TrustStore>
    /// Per interned trust store: the host its device connects to, before and from its reserve's activation time
    /// (seconds; .max: no reserve). Worked out once per distinct store.
    var storeHost: [Int32] = []
    var storeReserveHost: [Int32] = []
    var storeReserveAt: [Int64] = []
    /// Per interned host: what the server serves for it.
    var routes: [ServedCertificates.Route] = []
    var helds = Interned<[String]>([])
    var results = Interned<[InstallResult]>([])
    var hosts: Interned<String>
    var reasons = Interned<String>("")
    var cache = DeviceStepCache()
    var boundaries: [Int64] = []
    var nextBoundary: Int64 = .max
    let startAnchors: [TrustItem]

    var scenarioRolloverID: Int64?
    var warnings: [String] = []
    var devicesAtRisk: Int?
    var activations: [SimulationReport.ActivationRecord] = []
    var lastActivation: Int64?
    var syncs = 0
    var refusedConnections = 0
    static let tickInterval: Int64 = 3600

    init(_ options: SimulationOptions, context: ServiceContext) async throws {
        self.options = options
        self.context = context
        store = context.store
        start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        startSeconds = Int64(start.timeIntervalSince1970)
        end = Int64(options.duration.rounded())
        windowStart = Int64(options.effectiveWarmUp.rounded())
        began = ContinuousClock.now
        setup = try await SimulationSetup.prepare(options, context: context, start: start)
        engine = LifecycleEngine(context, addresses: [try ConnectionAddress(SimulationSetup.address)])
        material = TrustMaterial(store: store, addresses: [SimulationSetup.address])
        snapshot = try await material.reload(now: start)
        policy = try await store.lifecyclePolicy()
        lifecycle = LifecycleState(now: start, policy: policy, rollovers: [], live: [])
        hosts = Interned(SimulationSetup.address)
        // The enrollment file's anchors: the standing ones, as the admin API writes them.
        startAnchors = snapshot.items.filter { $0.item.role == .anchor && $0.rolloverID == nil }.map(\.item)
        stores = Interned(TrustStore())
        random = SimulationRandom(seed: options.seed)
        fleet = VirtualFleet.draw(options, random: &random)
        queue = EventQueue(capacity: options.devices)
        recorder = SyncRecorder(count: options.devices, agentVersion: SimulationSetup.agentVersion)
        learnFacts(of: TrustStore())
        try await refresh(at: 0)
    }

    // MARK: The loop

    mutating func execute() async throws -> SimulationReport {
        try await enrollFleet()
        var nextTick: Int64 = 0
        var scenarioPending = true
        while true {
            let deviceTime = queue.nextTime ?? .max
            let lifecycleTime = min(nextTick, scenarioPending ? windowStart : .max)
            let time = min(deviceTime, lifecycleTime)
            guard time < end else { break }
            if time >= nextBoundary { advanceEpoch(to: time) }
            if lifecycleTime <= deviceTime {
                if scenarioPending, time == windowStart {
                    scenarioPending = false
                    try await startScenario(at: time)
                }
                nextTick = try await tick(at: time)
                continue
            }
            guard let (eventTime, slot) = queue.pop() else { break }
            let progress = fastEvent(slot, at: eventTime)
            if progress != .finished { try await deviceEvent(slot, at: eventTime, after: progress) }
            if recorder.wantsFlush { try await flush() }
        }
        try await flush()
        return try await report()
    }

    /// The fleet enrolled at the start, in batches, each with the enrollment answer applied to the enrollment file's
    /// anchors; first syncs spread over one period. Late enrollers are queued at their enrollment time.
    private mutating func enrollFleet() async throws {
        let initial = (0..<fleet.count).filter { fleet.behaviour[$0] != .lateEnroll }
        let bootstrap = TrustStore(anchors: startAnchors)
        guard case .trusted = try await verdict(trust: intern(bootstrap), host: 0, at: 0) else {
            throw SimulationError("the enrollment file's anchors do not verify the server's first certificate")
        }
        let enrolled = intern(TrustUpdate.apply(DeviceSync.enrollment(snapshot: snapshot, now: start, nextSync: snapshot.syncPeriod),
                                                to: bootstrap, now: start).store)
        for batch in stride(from: 0, to: initial.count, by: 5000) {
            let slots = initial[batch..<min(batch + 5000, initial.count)]
            let ids = try await store.insertDevices(slots.map(newDevice(at: 0)), deliveryState: .delivered, actor: context.actor)
            for (slot, id) in zip(slots, ids) {
                fleet.deviceID[slot] = id
                fleet.trust[slot] = enrolled
                mirror.enroll(slot, open: snapshot.openRollovers, state: .delivered, at: startSeconds)
            }
        }
        for slot in 0..<fleet.count {
            switch fleet.behaviour[slot] {
            case .offline: continue
            case .lateEnroll: queue.push(time: fleet.enrollAt[slot], slot: slot)
            default: queue.push(time: random.seconds(below: TimeInterval(snapshot.syncPeriod)), slot: slot)
            }
        }
    }

    private func newDevice(at time: Int64) -> (Int) -> NewDevice {
        { [start, fleet] slot in
            NewDevice(name: fleet.name(slot), platform: fleet.platform[slot], tokenSHA256: String(format: "%064x", slot + 1),
                      enrolledAt: start.addingTimeInterval(TimeInterval(time)), agentVersion: SimulationSetup.agentVersion)
        }
    }

    func date(_ time: Int64) -> Date { start.addingTimeInterval(TimeInterval(time)) }

    func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince(start).rounded(.up)) }

    // MARK: Lifecycle

    private mutating func startScenario(at time: Int64) async throws {
        try await flush()
        let operations = RolloverOperations(context)
        let now = date(time)
        var started: RolloverOperations.Started?
        switch options.scenario {
        case .distributeFirst:
            started = try await operations.start(certificateID: try enterpriseTarget(), preset: .distributeFirst, now: now, prove: prove)
        case .proceedNow:
            let target = try enterpriseTarget()
            do {
                started = try await operations.start(certificateID: target, preset: .proceedNow, now: now, prove: prove)
                devicesAtRisk = 0
            } catch let refusal as ConfirmationRequired {
                devicesAtRisk = refusal.devicesAtRisk
                started = try await operations.start(certificateID: target, preset: .proceedNow, confirm: true, now: now, prove: prove)
            }
        case .reserve:
            let target = try await AuthorityService(context).issueServerCertificate(for: [try ConnectionAddress(SimulationSetup.address)])
            started = try await operations.start(certificateID: target, preset: .reserve, delay: options.reserveDelay, now: now, prove: prove)
        case .addressChange:
            let target = try await AuthorityService(context).issueServerCertificate(for: [try ConnectionAddress(SimulationSetup.newAddress)])
            started = try await operations.start(certificateID: target, preset: .addressChange, delay: options.reserveDelay,
                                                 addresses: [SimulationSetup.newAddress], now: now, prove: prove)
        case .autoReissue:
            break
        }
        if let started {
            scenarioRolloverID = started.rollover.id
            warnings += started.warnings
            try await refresh(at: time)
            if let activation = started.activation {
                let readiness = try await store.readiness(rolloverID: activation.rolloverID, activeSince: now.addingTimeInterval(-policy.activityWindow))
                record(activation, readiness: readiness, at: time)
            }
        }
    }

    private func enterpriseTarget() throws -> Int64 {
        guard let id = setup.enterpriseCertificateID else { throw SimulationError("no enterprise certificate was prepared") }
        return id
    }

    /// The simulator proves a target as far as it can without TLS: its sealed key opens and belongs to it.
    private var prove: RolloverOperations.Prove {
        { [context] certificate in
            guard let keyID = certificate.privateKeyID else { throw SimulationError("certificate \(certificate.id) has no private key") }
            let key = try await KeyRepository(context).load(id: keyID)
            guard try Certificate(derEncoded: certificate.der).publicKey == key.publicKey else {
                throw SimulationError("certificate \(certificate.id)'s key does not belong to it")
            }
        }
    }

    /// One lifecycle tick; returns when to tick next. Syncs are flushed first when a readiness check is due, and
    /// the simulator rereads the store afterwards only when the tick could have changed what it mirrors: a check
    /// was due (extension, hold, activation), an activation or reissue happened, or an address change's overlap ended.
    private mutating func tick(at time: Int64) async throws -> Int64 {
        let now = date(time)
        let due = !Lifecycle.due(lifecycle.rollovers, live: lifecycle.live, now: now).isEmpty
        if due { try await flush() }
        let outcome = try await engine.tick(now: now, prove: prove)
        if options.scenario == .autoReissue, scenarioRolloverID == nil, let reissued = outcome.reissued.first {
            scenarioRolloverID = reissued.id
        }
        if due || !outcome.activations.isEmpty || !outcome.reissued.isEmpty || served.overlapEnds.contains(time) {
            try await refresh(at: time)
        }
        for activation in outcome.activations { record(activation, readiness: activation.readiness, at: time) }
        var next = time + Self.tickInterval
        if let wanted = outcome.next { next = min(next, seconds(wanted)) }
        if let overlap = served.overlapEnds.filter({ $0 > time }).min() { next = min(next, overlap) }
        return max(next, time + 1)
    }

    private mutating func record(_ activation: Activation, readiness: Readiness?, at time: Int64) {
        lastActivation = time
        // Who is expected to stay connected from now on: active devices, and those seen since the scenario began.
        let since = time - Int64(policy.activityWindow.rounded(.up))
        var expected = 0
        for slot in 0..<fleet.count {
            let active = fleet.deviceID[slot] != 0 && fleet.lastSuccess[slot] != VirtualFleet.never && fleet.lastSuccess[slot] >= since
            fleet.expected[slot] = active
            if active || fleet.firstSuccessInWindow[slot] != VirtualFleet.never { expected += 1 }
        }
        activations.append(.init(day: day(time), rolloverID: activation.rolloverID, certificateID: activation.certificate.id,
                                 readiness: readiness, expectedDevices: expected))
    }

    /// Rereads what changed in the store: the trust material snapshot (a new version empties the step cache), the
    /// mirror's columns for new rollovers, the served certificates and the validity boundaries.
    private mutating func refresh(at time: Int64) async throws {
        let fresh = try await material.reload(now: date(time))
        if !Self.same(fresh, snapshot) {
            snapshot = fresh
            cache.clear()
        }
        for id in snapshot.openRollovers.sorted() where mirror.column(for: id) == nil {
            guard let rollover = try await store.rollover(id: id) else { continue }
            mirror.addRollover(id, createdAt: Int64(rollover.createdAt.timeIntervalSince1970.rounded(.down)),
                               enrolled: { [fleet] in fleet.deviceID[$0] != 0 }, count: fleet.count)
        }
        openColumns = snapshot.openRollovers.sorted().compactMap { mirror.column(for: $0) }
        lifecycle = try await engine.loadState(now: date(time), readiness: false)
        try await served.reload(store, start: start, syncPeriod: TimeInterval(snapshot.syncPeriod))
        routes = hosts.values.map { served.route(for: $0) }
        var instants = Set<Int64>()
        for certificate in try await store.certificates(in: nil) {
            instants.formUnion([seconds(certificate.notBefore), seconds(certificate.notAfter), seconds(certificate.notAfter) + 1])
        }
        for artifact in try await store.trustArtifacts(includeWithdrawn: true) {
            if let parsed = ParsedCertificate.parse(der: artifact.der) {
                instants.formUnion([seconds(parsed.notBefore), seconds(parsed.notAfter), seconds(parsed.notAfter) + 1])
            }
        }
        let sorted = instants.sorted()
        if sorted != boundaries {
            boundaries = sorted
            cache.clear()
        }
        nextBoundary = boundaries.first { $0 > time } ?? .max
    }

    /// A certificate validity boundary passed: verdicts and install checks may differ from here on.
    private mutating func advanceEpoch(to time: Int64) {
        cache.clear()
        nextBoundary = boundaries.first { $0 > time } ?? .max
    }

    private static func same(_ a: TrustMaterial.Snapshot, _ b: TrustMaterial.Snapshot) -> Bool {
        a.items == b.items && a.withdrawn == b.withdrawn && a.reserve == b.reserve && a.openRollovers == b.openRollovers
            && a.addresses == b.addresses && a.syncPeriod == b.syncPeriod && a.retryAfter == b.retryAfter
    }

    private mutating func flush() async throws {
        let (ids, platforms) = (fleet.deviceID, fleet.platform)
        let reports = recorder.drain(start: start, deviceID: { ids[$0] }, platform: { platforms[$0] })
        if !reports.isEmpty { try await store.recordSyncs(reports) }
    }

    // MARK: Devices

    /// How far `fastEvent` got with a device event.
    enum FastPath { case finished, untouched, firstSynced }

    /// A device event without suspending, when all it needs is in the step cache (nearly every event): the dark
    /// check, one or two cached steps, the next sync. Otherwise it does nothing, or only the first sync.
    private mutating func fastEvent(_ slot: Int, at time: Int64) -> FastPath {
        guard options.memoize, fleet.deviceID[slot] != 0 else { return .untouched }
        if fleet.isDark(slot, at: time) {
            if fleet.darkEnd[slot] < end { queue.push(time: fleet.darkEnd[slot], slot: slot) }
            return .finished
        }
        guard let first = cachedStep(slot, at: time) else { return .untouched }
        if apply(first, slot, at: time), fleet.unreported[slot] != 0 {
            guard let second = cachedStep(slot, at: time) else { return .firstSynced }
            _ = apply(second, slot, at: time)
        }
        schedule(slot, after: time)
        return .finished
    }

    /// The rest of a device event, running the real code where the cache has no answer.
    private mutating func deviceEvent(_ slot: Int, at time: Int64, after progress: FastPath) async throws {
        switch progress {
        case .finished:
            return
        case .firstSynced:
            _ = try await syncOnce(slot, at: time)
        case .untouched:
            if fleet.deviceID[slot] == 0 {
                guard try await enroll(slot, at: time) else {
                    schedule(slot, after: time)
                    return
                }
            } else if fleet.isDark(slot, at: time) {
                if fleet.darkEnd[slot] < end { queue.push(time: fleet.darkEnd[slot], slot: slot) }
                return
            }
            // `DeviceAgent.sync()`: one sync, and at once a second when the first installed, removed or refused something.
            if try await syncOnce(slot, at: time), fleet.unreported[slot] != 0 {
                _ = try await syncOnce(slot, at: time)
            }
        }
        schedule(slot, after: time)
    }

    /// The real agent comes back after the answer's nextSyncSeconds, the period jittered ±10% by the server
    /// (`DeviceSync.jittered`, whose formula is repeated here with the simulation's generator: the generic original
    /// costs more than the rest of a cached sync). After a refusal the real agent retries within a minute; a refused
    /// device here retries once a period: only a change of the served certificate or of its trust store could let
    /// it in, and both happen a few times a run at most.
    private mutating func schedule(_ slot: Int, after time: Int64) {
        let period = Double(snapshot.syncPeriod)
        let next = time + Int64(max(1, (period * (0.9 + 0.2 * random.unit())).rounded()))
        if next < end { queue.push(time: next, slot: slot) }
    }

    /// A late enroller's enrollment: the TLS connection is verified with the enrollment file's anchors, then the
    /// device is inserted as the device API inserts it and applies the enrollment answer.
    private mutating func enroll(_ slot: Int, at time: Int64) async throws -> Bool {
        let anchors = options.enrollmentAnchors == .atStart
            ? startAnchors : snapshot.items.filter { $0.item.role == .anchor && $0.rolloverID == nil }.map(\.item)
        let host = options.enrollmentAnchors == .atStart ? Int32(0) : hostID(snapshot.addresses.first ?? SimulationSetup.address)
        let bootstrap = TrustStore(anchors: anchors)
        let verdict = try await verdict(trust: intern(bootstrap), host: host, at: time)
        guard case .trusted = verdict else {
            refusedConnections += 1
            if fleet.enrollmentRefusedAt[slot] == VirtualFleet.never, case .refused(let reason) = verdict {
                fleet.enrollmentRefusedAt[slot] = time
                fleet.enrollmentRefusedReason[slot] = reasons.id(reason)
            }
            return false
        }
        guard let id = try await store.insertDevices([newDevice(at: time)(slot)], deliveryState: .delivered, actor: context.actor).first else {
            throw SimulationError("the store did not enroll \(fleet.name(slot))")
        }
        fleet.deviceID[slot] = id
        fleet.enrollAt[slot] = time
        mirror.enroll(slot, open: snapshot.openRollovers, state: .delivered, at: startSeconds + time)
        let answer = DeviceSync.enrollment(snapshot: snapshot, now: date(time), nextSync: snapshot.syncPeriod)
        fleet.trust[slot] = intern(TrustUpdate.apply(answer, to: bootstrap, now: date(time)).store)
        return true
    }

    /// What the next connection and sync of this device depends on; not cacheable with too many open rollovers.
    private func stepKey(_ slot: Int, at time: Int64) -> (key: StepKey, cacheable: Bool) {
        let trust = fleet.trust[slot]
        let reserveActive = time >= storeReserveAt[Int(trust)]
        let host = reserveActive ? storeReserveHost[Int(trust)] : storeHost[Int(trust)]
        let failing = fleet.behaviour[slot] == .failing
        let deliveries = deliveriesKey(slot, at: time)
        let key = StepKey(trust: trust, unreported: fleet.unreported[slot], reportedHeld: fleet.reportedHeld[slot], host: host,
                          served: routes[Int(host)].certificate(at: time), deliveries: deliveries ?? 0,
                          flags: (reserveActive ? 1 : 0) | (failing ? 2 : 0))
        return (key, deliveries != nil)
    }

    private mutating func cachedStep(_ slot: Int, at time: Int64) -> StepOutcome? {
        let (key, cacheable) = stepKey(slot, at: time)
        guard cacheable, let known = cache.steps[key] else { return nil }
        cache.hits += 1
        return known
    }

    /// One connection and sync of `DeviceAgent.syncOnce`; false when the device refused the server.
    private mutating func syncOnce(_ slot: Int, at time: Int64) async throws -> Bool {
        let (key, cacheable) = stepKey(slot, at: time)
        let outcome: StepOutcome
        if options.memoize, cacheable, let known = cache.steps[key] {
            cache.hits += 1
            outcome = known
        } else {
            cache.misses += 1
            outcome = try await step(slot, key: key, at: time)
            if options.memoize, cacheable { cache.steps[key] = outcome }
        }
        return apply(outcome, slot, at: time)
    }

    /// Carries a step's outcome into the device, the mirror and the pending reports; false when refused.
    private mutating func apply(_ outcome: StepOutcome, _ slot: Int, at time: Int64) -> Bool {
        switch outcome {
        case .refused(let reason):
            refused(slot, reason: reason, at: time)
            return false
        case .synced(let step):
            syncs += 1
            if step.held == nil, step.deliveries.isEmpty {
                recorder.heartbeat(slot: slot, at: time)
            } else {
                let absolute = startSeconds + time
                for update in step.deliveries { mirror.record(update, slot: slot, at: absolute) }
                recorder.change(SyncReport(deviceID: fleet.deviceID[slot], seenAt: date(time), agentVersion: SimulationSetup.agentVersion,
                                           platform: fleet.platform[slot], held: step.held, deliveries: step.deliveries), slot: slot)
            }
            fleet.trust[slot] = step.trust
            fleet.unreported[slot] = step.unreported
            fleet.reportedHeld[slot] = step.reportedHeld
            fleet.lastSuccess[slot] = time
            if time >= windowStart, fleet.firstSuccessInWindow[slot] == VirtualFleet.never { fleet.firstSuccessInWindow[slot] = time }
            return true
        }
    }

    /// The real code for one connection and sync: verify the served chain, answer as the device API does, apply
    /// the answer as the agent does (and, for a failing device, fail the write as `DeviceAgent` reports it).
    private mutating func step(_ slot: Int, key: StepKey, at time: Int64) async throws -> StepOutcome {
        let verdict = try await verdict(trust: key.trust, host: key.host, at: time)
        guard case .trusted(let through) = verdict else {
            if case .refused(let reason) = verdict { return .refused(reason: reasons.id(reason)) }
            return .refused(reason: 0)
        }
        let now = date(time)
        let current = stores[key.trust]
        let request = SyncRequest(deviceID: fleet.deviceID[slot], agentVersion: SimulationSetup.agentVersion, platform: fleet.platform[slot],
                                  held: current.held, results: results[key.unreported])
        let (response, report) = DeviceSync.answer(request, deviceID: fleet.deviceID[slot], deliveries: mirror.deliveries(slot, columns: openColumns),
                                                   previouslyHeld: Set(helds[key.reportedHeld]), snapshot: snapshot, now: now,
                                                   nextSync: snapshot.syncPeriod)
        let applied = TrustUpdate.apply(response, to: current, now: now, protected: through)
        var kept = applied.store
        var outcomes = applied.results
        if fleet.behaviour[slot] == .failing, applied.changed {
            kept = current
            outcomes = outcomes.map { $0.status == .failed ? $0 : InstallResult(fingerprint: $0.fingerprint, status: .failed, reason: "simulated install failure") }
        }
        let held = Set(request.held.map { $0.lowercased() }).sorted()
        return .synced(SyncedStep(trust: intern(kept), unreported: results.id(outcomes), reportedHeld: helds.id(held), held: report.held,
                                  deliveries: report.deliveries))
    }

    mutating func verdict(trust: Int32, host: Int32, at time: Int64) async throws -> ServerTrustEvaluation.Verdict {
        let reserveActive = time >= storeReserveAt[Int(trust)]
        guard let served = served.certificates[routes[Int(host)].certificate(at: time)] else { return .refused("the server presents no certificate") }
        let key = EvaluationKey(served: served.id, host: host, trust: trust, reserveActive: reserveActive)
        if options.memoize, let known = cache.verdicts[key] { return known }
        cache.evaluations += 1
        let verdict = await ServerTrustEvaluation.evaluate(chain: served.chain, host: hosts[host], store: stores[trust], now: date(time))
        if options.memoize { cache.verdicts[key] = verdict }
        return verdict
    }

    /// The device's deliveries for the open rollovers, 4 bits each; nil when there are too many to pack.
    private func deliveriesKey(_ slot: Int, at time: Int64) -> UInt64? {
        guard openColumns.count <= 15 else { return nil }
        var key: UInt64 = 0
        let now = startSeconds + time
        let retryAfter = Int64(snapshot.retryAfter.rounded(.up))
        for (position, column) in openColumns.enumerated() {
            let raw = mirror.columns[column].state[slot]
            var nibble = raw == DeliveryMirror.none ? UInt64(15) : UInt64(raw)
            if raw == UInt8(DeliveryState.failed.rawValue), now - mirror.columns[column].updatedAt[slot] >= retryAfter { nibble = 5 }
            key |= nibble << (4 * UInt64(position))
        }
        return key
    }

    private mutating func refused(_ slot: Int, reason: Int32, at time: Int64) {
        refusedConnections += 1
        guard let lastActivation, time >= lastActivation else {
            if fleet.refusedBeforeActivationAt[slot] == VirtualFleet.never { fleet.refusedBeforeActivationAt[slot] = time }
            return
        }
        if fleet.expected[slot] || fleet.firstSuccessInWindow[slot] != VirtualFleet.never {
            if fleet.cutOffAt[slot] == VirtualFleet.never {
                fleet.cutOffAt[slot] = time
                fleet.cutOffReason[slot] = reason
            }
        } else if fleet.refusedOnReturnAt[slot] == VirtualFleet.never {
            fleet.refusedOnReturnAt[slot] = time
        }
    }

    // MARK: Trust stores

    private mutating func intern(_ store: TrustStore) -> Int32 {
        let id = stores.id(store)
        if Int(id) == storeHost.count { learnFacts(of: store) }
        return id
    }

    /// Where a device with this trust store connects: the first address the server announced (the configured one
    /// before any), and from its reserve's activation time the reserve's addresses, if it carries any.
    private mutating func learnFacts(of store: TrustStore) {
        let host = hostID(store.addresses.first ?? SimulationSetup.address)
        var reserveHost = host
        var activatesAt = Int64.max
        if let reserve = store.reserve {
            activatesAt = seconds(reserve.activatesAt)
            if let first = reserve.addresses?.first { reserveHost = hostID(first) }
        }
        storeHost.append(host)
        storeReserveHost.append(reserveHost)
        storeReserveAt.append(activatesAt)
    }

    mutating func hostID(_ name: String) -> Int32 {
        let id = hosts.id(name.lowercased())
        if Int(id) == routes.count { routes.append(served.route(for: name.lowercased())) }
        return id
    }

    func day(_ time: Int64) -> Double { Double(time) / 86_400 }
}
