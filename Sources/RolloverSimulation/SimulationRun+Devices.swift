import Foundation
import RolloverAgent
import RolloverCore
import RolloverService
import RolloverStore

/// A device event: the agent's loop (`DeviceAgent.sync()`: connect, sync, and at once a second sync when the
/// first installed, removed or refused something), with the real code run once per distinct situation (see
/// `DeviceStepCache`) and its outcome carried into the device, the delivery mirror and the pending reports.
extension SimulationRun {
    /// How far `fastEvent` got with a device event.
    enum FastPath { case finished, untouched, firstSynced }

    /// A device event without suspending, when all it needs is in the step cache (nearly every event): the dark
    /// check, one or two cached steps, the next sync. Otherwise it does nothing, or only the first sync.
    mutating func fastEvent(_ slot: Int, at time: Int64) -> FastPath {
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
    mutating func deviceEvent(_ slot: Int, at time: Int64, after progress: FastPath) async throws {
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
    mutating func schedule(_ slot: Int, after time: Int64) {
        let period = Double(snapshot.syncPeriod)
        let next = time + Int64(max(1, (period * (0.9 + 0.2 * random.unit())).rounded()))
        if next < end { queue.push(time: next, slot: slot) }
    }

    /// A late enroller's enrollment: the TLS connection is verified with the enrollment file's trust state (walking
    /// the handover chain from the file's sequence when that fails, as the agent does), then the device is inserted
    /// as the device API inserts it and applies the enrollment answer.
    mutating func enroll(_ slot: Int, at time: Int64) async throws -> Bool {
        let file: TrustStore
        let host: Int32
        switch options.enrollmentAnchors {
        case .atStart:
            file = TrustStore(anchors: startAnchors, handoverSequence: 0)
            host = 0
        case .current:
            // As the admin API writes a file: the whole current state and the handover sequence it is at.
            let items = snapshot.items.map(\.item)
            file = TrustStore(anchors: items.filter { $0.role == .anchor }, pins: items.filter { $0.role == .pin },
                              handoverSequence: snapshot.handoverPosition(host: nil).sequence)
            host = hostID(snapshot.addresses.first ?? SimulationSetup.address)
        }
        let bootstrap: TrustStore
        let walked: SyncRequest.Walk?
        switch try await connect(trust: intern(file), host: host, at: time, slot: slot) {
        case .refused(let reason):
            refusedConnections += 1
            if fleet.enrollmentRefusedAt[slot] == VirtualFleet.never {
                fleet.enrollmentRefusedAt[slot] = time
                fleet.enrollmentRefusedReason[slot] = reasons.id(reason)
            }
            return false
        case .trusted(_, let trust, let walk):
            bootstrap = stores[trust]
            walked = walk
        }
        guard let id = try await store.insertDevices([newDevice(at: time)(slot)], deliveryState: .delivered, actor: context.actor).first else {
            throw SimulationError("the store did not enroll \(fleet.name(slot))")
        }
        fleet.deviceID[slot] = id
        fleet.enrollAt[slot] = time
        if let walked { recordWalk(walked, slot: slot, at: time) }
        mirror.enroll(slot, open: snapshot.openRollovers, state: .delivered, at: startSeconds + time)
        let answer = DeviceSync.enrollment(snapshot: snapshot, now: date(time), nextSync: snapshot.syncPeriod)
        fleet.trust[slot] = intern(TrustUpdate.apply(answer, to: bootstrap, now: date(time)).store)
        return true
    }

    /// What the next connection and sync of this device depends on; not cacheable with too many open rollovers.
    func stepKey(_ slot: Int, at time: Int64) -> (key: StepKey, cacheable: Bool) {
        let trust = fleet.trust[slot]
        let reserveActive = time >= storeReserveAt[Int(trust)]
        let host = reserveActive ? storeReserveHost[Int(trust)] : storeHost[Int(trust)]
        let failing = fleet.behaviour[slot] == .failing
        let deliveries = deliveriesKey(slot, at: time)
        let key = StepKey(trust: trust, unreported: fleet.unreported[slot], reportedHeld: fleet.reportedHeld[slot], host: host,
                          served: routes[Int(host)].certificate(at: time), deliveries: deliveries ?? 0,
                          flags: (reserveActive ? 1 : 0) | (failing ? 2 : 0) | (fleet.legacy[slot] ? 4 : 0))
        return (key, deliveries != nil)
    }

    mutating func cachedStep(_ slot: Int, at time: Int64) -> StepOutcome? {
        let (key, cacheable) = stepKey(slot, at: time)
        guard cacheable, let known = cache.steps[key] else { return nil }
        cache.hits += 1
        return known
    }

    /// One connection and sync of `DeviceAgent.syncOnce`; false when the device refused the server.
    mutating func syncOnce(_ slot: Int, at time: Int64) async throws -> Bool {
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
    mutating func apply(_ outcome: StepOutcome, _ slot: Int, at time: Int64) -> Bool {
        switch outcome {
        case .refused(let reason):
            refused(slot, reason: reason, at: time)
            return false
        case .synced(let step):
            syncs += 1
            if let walked = step.walked { recordWalk(walked, slot: slot, at: time) }
            if step.held == nil, step.deliveries.isEmpty, step.walked == nil, step.sequence == fleet.reportedSequence[slot] {
                recorder.heartbeat(slot: slot, at: time)
            } else {
                let absolute = startSeconds + time
                for update in step.deliveries { mirror.record(update, slot: slot, at: absolute) }
                recorder.change(SyncReport(deviceID: fleet.deviceID[slot], seenAt: date(time), agentVersion: SimulationSetup.agentVersion,
                                           platform: fleet.platform[slot], held: step.held, deliveries: step.deliveries,
                                           handoverSequence: step.sequence), slot: slot)
                if let sequence = step.sequence { fleet.reportedSequence[slot] = sequence }
            }
            fleet.trust[slot] = step.trust
            fleet.unreported[slot] = step.unreported
            fleet.reportedHeld[slot] = step.reportedHeld
            fleet.lastSuccess[slot] = time
            if time >= windowStart, fleet.firstSuccessInWindow[slot] == VirtualFleet.never { fleet.firstSuccessInWindow[slot] = time }
            return true
        }
    }

    /// The real code for one connection and sync: verify the served chain (walking the handover chain when that
    /// fails), answer as the device API does, apply the answer as the agent does (and, for a failing device, fail
    /// the write as `DeviceAgent` reports it).
    mutating func step(_ slot: Int, key: StepKey, at time: Int64) async throws -> StepOutcome {
        let (through, trust, walked): (Set<String>, Int32, SyncRequest.Walk?)
        switch try await connect(trust: key.trust, host: key.host, at: time, slot: slot) {
        case .refused(let reason): return .refused(reason: reasons.id(reason))
        case .trusted(let verified, let reached, let walk): (through, trust, walked) = (verified, reached, walk)
        }
        let now = date(time)
        let current = stores[trust]
        var request = SyncRequest(deviceID: fleet.deviceID[slot], agentVersion: SimulationSetup.agentVersion, platform: fleet.platform[slot],
                                  held: current.held, results: results[key.unreported], handoverSequence: current.handoverSequence ?? 0)
        request.walked = walked
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
                                  deliveries: report.deliveries, sequence: report.handoverSequence, walked: walked))
    }

    /// A connection as `DeviceAgent` makes it: the served chain verified with the trust store; when that fails, a
    /// device running the agent walks the handover chain the server offers (`HandoverWalk.catchUp`, reading the
    /// page the route would answer) and verifies the served chain again with the state it reached. Legacy devices
    /// and failing ones (which cannot write the state they reached) stay refused.
    mutating func connect(trust: Int32, host: Int32, at time: Int64, slot: Int) async throws -> Connection {
        let first = try await verdict(trust: trust, host: host, at: time)
        guard case .refused(let reason) = first else {
            if case .trusted(let through) = first { return .trusted(through: through, trust: trust, walked: nil) }
            return .refused(reason: "")
        }
        guard !fleet.legacy[slot] else { return .refused(reason: reason) }
        let outcome: HandoverWalk.Outcome
        let walkKey = WalkKey(trust: trust, host: host)
        if options.memoize, let known = cache.walks[walkKey] {
            outcome = known
        } else {
            let (snapshot, store, name) = (snapshot, store, hosts[host])
            outcome = await HandoverWalk.catchUp(from: stores[trust], host: name, now: date(time)) { after in
                try await HandoverPage.answer(host: name, after: after, snapshot: snapshot, store: store)
            }
            if options.memoize { cache.walks[walkKey] = outcome }
        }
        switch outcome {
        case .refused(let why):
            return .refused(reason: "\(reason); \(why)")
        case .walked(let state, let from, let to):
            if fleet.behaviour[slot] == .failing {
                return .refused(reason: "\(reason); the trust state reached through handover records \(from + 1)...\(to) could not be written: simulated install failure")
            }
            let reached = intern(state)
            guard case .trusted(let through) = try await verdict(trust: reached, host: host, at: time) else {
                return .refused(reason: "\(reason); the server's certificate does not verify with the state reached through handover records \(from + 1)...\(to) either")
            }
            return .trusted(through: through, trust: reached, walked: SyncRequest.Walk(from: from, to: to))
        }
    }

    /// A walk the device reports in its next sync, written to the store with the next flush.
    mutating func recordWalk(_ walk: SyncRequest.Walk, slot: Int, at time: Int64) {
        if fleet.recoveredAt[slot] == VirtualFleet.never { fleet.recoveredAt[slot] = time }
        fleet.walkedRecords[slot] += Int32(walk.to - walk.from)
        pendingWalks.append((slot, walk, time))
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
    func deliveriesKey(_ slot: Int, at time: Int64) -> UInt64? {
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

    mutating func refused(_ slot: Int, reason: Int32, at time: Int64) {
        refusedConnections += 1
        guard let lastActivation, time >= lastActivation else {
            if fleet.refusedBeforeActivationAt[slot] == VirtualFleet.never { fleet.refusedBeforeActivationAt[slot] = time }
            return
        }
        if fleet.cutOffAt[slot] == VirtualFleet.never {
            fleet.cutOffAt[slot] = time
            fleet.cutOffReason[slot] = reason
        }
    }

    // MARK: Trust stores

    mutating func intern(_ store: TrustStore) -> Int32 {
        let id = stores.id(store)
        if Int(id) == storeHost.count { learnFacts(of: store) }
        return id
    }

    /// Where a device with this trust store connects: the first address the server announced (the configured one
    /// before any), and from its reserve's activation time the reserve's addresses, if it carries any.
    mutating func learnFacts(of store: TrustStore) {
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
}
