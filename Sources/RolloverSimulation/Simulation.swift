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
/// Time: whole seconds from the start (the real time, rounded down, so certificates issued with the real clock are
/// already valid; the store keeps whole seconds too). The fleet enrolls at second 0 and first syncs spread over one
/// period; the scenario starts after the warm-up. Device syncs are events in a heap; the lifecycle ticks at the
/// instant it names (`LifecycleEngine.Outcome.next`), at least every virtual hour, at the end of an address change's
/// overlap, and at the scenario's start. At equal times the lifecycle goes first.
///
/// Serving: what a device is presented is read from the store as the server reads it (`ServedCertificates`): the
/// active certificate, switched by the engine's activations at their instant, with the old names answered by the
/// old certificate for one sync period after an address change. A device connects to the first address it was told
/// (its reserve's address from the reserve's activation time) and decides with `ServerTrustEvaluation`.
///
/// Cut off: an enrolled device refused at some connection after an activation, whoever it is: active then, or a
/// straggler coming back after a long absence — the product promises to keep them all. A device whose trust store
/// no longer verifies the server first walks the signed handover chain, as the agent does (`connect`); those that
/// did are the recovered ones. Legacy devices (`--legacy-fraction`) cannot walk.
///
/// Store: enrollments, rollovers and lifecycle changes go to the store at once; sync reports are batched
/// (`SyncRecorder`) and written before every tick that checks readiness, before the scenario starts, and at the end.
/// Deliveries are mirrored in memory (`DeliveryMirror`) and checked against the store at the end.
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
        // The virtual start: the real time, rounded down, so certificates issued with the real clock are already valid.
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let time = TimeSource(virtualStart: start)
        let context = try await ServiceContext.open(dataFolder: folder, databaseURL: options.databaseURL, environment: environment,
                                                    actor: AuditActor("simulator"), time: time)
        do {
            var run = try await SimulationRun(options, context: context, start: start, time: time)
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
    /// The store's clock, moved to each instant something is written at, so the audit log holds virtual times.
    let time: TimeSource
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
    /// Every rollover the scenario started, in order (the chain scenario starts three; the last is `scenarioRolloverID`).
    var scenarioRolloverIDs: [Int64] = []
    /// When each of the scenario's stages is due (one, or three for the chain), and how many have started.
    var stageTimes: [Int64] = []
    var stagesStarted = 0
    /// Walks through the handover chain, written with the next flush as the device API writes them.
    var pendingWalks: [(slot: Int, walk: SyncRequest.Walk, at: Int64)] = []
    /// The warnings each scenario rollover started with.
    var warnings: [Int64: [String]] = [:]
    var devicesAtRisk: Int?
    var activations: [SimulationReport.ActivationRecord] = []
    var lastActivation: Int64?
    var syncs = 0
    /// Wall time by phase (see `SimulationReport.Performance.phases`).
    var phases: [String: Duration] = [:]
    var refusedConnections = 0
    static let tickInterval: Int64 = 3600

    init(_ options: SimulationOptions, context: ServiceContext, start: Date, time: TimeSource) async throws {
        self.options = options
        self.context = context
        store = context.store
        self.start = start
        self.time = time
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
        stageTimes = Self.stageTimes(options, windowStart: windowStart, end: end)
        learnFacts(of: TrustStore())
        try await refresh(at: 0)
    }

    // MARK: The loop

    mutating func execute() async throws -> SimulationReport {
        var mark = ContinuousClock.now
        try await enrollFleet()
        phases["enrollment", default: .zero] += mark.duration(to: .now)
        var nextTick: Int64 = 0
        while true {
            let deviceTime = queue.nextTime ?? .max
            let stageTime = stagesStarted < stageTimes.count ? stageTimes[stagesStarted] : .max
            let lifecycleTime = min(nextTick, stageTime)
            let time = min(deviceTime, lifecycleTime)
            guard time < end else { break }
            if time >= nextBoundary { advanceEpoch(to: time) }
            if lifecycleTime <= deviceTime {
                self.time.set(date(time))
                let (tickStart, writesBefore) = (ContinuousClock.now, phases["store writes", default: .zero])
                if time == stageTime { try await startStage(at: time) }
                nextTick = try await tick(at: time)
                phases["lifecycle", default: .zero] += tickStart.duration(to: .now) - (phases["store writes", default: .zero] - writesBefore)
                continue
            }
            guard let (eventTime, slot) = queue.pop() else { break }
            let progress = fastEvent(slot, at: eventTime)
            if progress != .finished {
                self.time.set(date(eventTime))
                try await deviceEvent(slot, at: eventTime, after: progress)
            }
            if recorder.wantsFlush { try await flush(changesOnly: true) }
        }
        try await flush()
        mark = ContinuousClock.now
        var report = try await report()
        let reporting = mark.duration(to: .now)
        report.performance?.phases["report"] = Double(reporting.components.seconds) + Double(reporting.components.attoseconds) / 1e18
        return report
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

    func newDevice(at time: Int64) -> (Int) -> NewDevice {
        { [start, fleet] slot in
            NewDevice(name: fleet.name(slot), platform: fleet.platform[slot], tokenSHA256: String(format: "%064x", slot + 1),
                      enrolledAt: start.addingTimeInterval(TimeInterval(time)), agentVersion: SimulationSetup.agentVersion)
        }
    }

    func date(_ time: Int64) -> Date { start.addingTimeInterval(TimeInterval(time)) }

    func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince(start).rounded(.up)) }

    // MARK: Lifecycle

    /// One lifecycle tick; returns when to tick next. Syncs are flushed first when a readiness check is due, and
    /// the simulator rereads the store afterwards only when the tick could have changed what it mirrors: a check
    /// was due (extension, hold, activation), an activation or reissue happened, or an address change's overlap ended.
    mutating func tick(at time: Int64) async throws -> Int64 {
        let now = date(time)
        let due = !Lifecycle.due(lifecycle.rollovers, live: lifecycle.live, now: now).isEmpty
        if due { try await flush() }
        let outcome = try await engine.tick(now: now, prove: prove)
        if options.scenario == .autoReissue, scenarioRolloverID == nil, let reissued = outcome.reissued.first {
            scenarioRolloverID = reissued.id
            scenarioRolloverIDs.append(reissued.id)
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

    mutating func record(_ activation: Activation, readiness: Readiness?, at time: Int64) {
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
    mutating func refresh(at time: Int64) async throws {
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
        // A walk may start from a record only while it is younger than handover-max-age.
        for host in snapshot.handovers.keys {
            for record in try await store.handoverRecords(host: host, after: 0, limit: HandoverWalk.maximumRecords) {
                let tooOld = seconds(record.issuedAt.addingTimeInterval(TimeInterval(snapshot.handoverMaximumAge)))
                instants.formUnion([tooOld, tooOld + 1])
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
            && a.handovers == b.handovers && a.servedHosts == b.servedHosts && a.handoverMaximumAge == b.handoverMaximumAge
    }

    /// Writes the pending sync reports. `changesOnly` (to bound memory) keeps the heartbeats for later: each is
    /// later than any change of its device, so writing it later leaves the store the same.
    mutating func flush(changesOnly: Bool = false) async throws {
        let started = ContinuousClock.now
        let (ids, platforms) = (fleet.deviceID, fleet.platform)
        let reports = recorder.drain(start: start, heartbeats: !changesOnly, deviceID: { ids[$0] }, platform: { platforms[$0] })
        if !reports.isEmpty { try await store.recordSyncs(reports) }
        // Each walk is audited at the instant it happened; then the clock goes back to where the run is.
        let current = self.time.now()
        for (slot, walk, at) in pendingWalks {
            self.time.set(date(at))
            try await store.recordHandoverWalk(deviceID: ids[slot], from: walk.from, to: walk.to, actor: AuditActor("device:\(ids[slot])"))
        }
        pendingWalks.removeAll()
        self.time.set(current)
        phases["store writes", default: .zero] += started.duration(to: .now)
    }

    func day(_ time: Int64) -> Double { Double(time) / 86_400 }
}
