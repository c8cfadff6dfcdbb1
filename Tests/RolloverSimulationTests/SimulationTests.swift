import Foundation
import RolloverCore
import RolloverStore
import Testing
@testable import RolloverSimulation

/// The fleet simulator end to end: small fleets, the real lifecycle, device API decisions and agent core, a real
/// SQLite store in a temporary folder.
@Suite("Fleet simulation")
struct SimulationTests {
    static func options(_ scenario: SimulationOptions.Scenario, devices: Int = 200, days: Double = 30, seed: UInt64 = 7,
                        _ change: (inout SimulationOptions) -> Void = { _ in }) -> SimulationOptions {
        var options = SimulationOptions()
        options.scenario = scenario
        options.devices = devices
        options.days = days
        options.seed = seed
        options.offlineFraction = 0.05
        options.darkFraction = 0.1
        options.darkDays = 10
        options.lateEnrollFraction = 0.02
        change(&options)
        return options
    }

    @Test("distribute first activates no earlier than the distribution period, cuts off no device that synced, and lists the offline devices as stragglers")
    func distributeFirst() async throws {
        let report = try await Simulation.run(Self.options(.distributeFirst))
        let rollover = try #require(report.rollover)
        #expect(rollover.outcome == "activated")
        let activated = try #require(rollover.activatedDay)
        #expect(activated - rollover.createdDay >= 7)
        #expect(rollover.readinessAtActivation.map { $0.activeDevices > 0 && $0.unconfirmed == 0 } == true)
        #expect(report.cutOff.count == 0)
        #expect(report.refusedBeforeActivation == 0)
        let offline = report.devicesAtEnd.filter { $0.behaviour == "offline" }
        #expect(!offline.isEmpty)
        #expect(Set(offline.compactMap(\.id)).isSubset(of: Set(report.stragglers.ids)))
        // Stragglers hold only the server's own CA root, but would walk the handover record to the enterprise root.
        #expect(report.stragglers.refusedIfReturningAtEnd == 0)
        // Every device enrolled before the activation that synced after it holds the new root.
        let synced = report.devicesAtEnd.filter { ($0.enrolledDay ?? .infinity) < activated && ($0.lastSyncDay ?? 0) > activated }
        #expect(synced.count > 150)
        #expect(synced.allSatisfy { $0.deliveryState == "installed" })
        #expect(report.consistency.isEmpty, "\(report.consistency)")
    }

    @Test("proceed now is refused without confirmation, naming the active devices; once confirmed every agent walks the handover record and only legacy devices are cut off")
    func proceedNow() async throws {
        let report = try await Simulation.run(Self.options(.proceedNow, days: 6))
        let atRisk = try #require(report.proceedNowDevicesAtRisk)
        let activation = try #require(report.activations.first)
        #expect(activation.day == report.scenarioStartDay)
        #expect(atRisk > 0)
        #expect(atRisk == activation.readiness?.activeDevices)
        #expect(report.cutOff.count == 0)
        let normal = report.devicesAtEnd.filter { $0.behaviour == "normal" }
        #expect(normal.allSatisfy { $0.recoveredDay != nil && $0.recordsWalked == 1 })
        #expect(report.recovered.count >= normal.count)
        #expect(report.recovered.byRecordsWalked == ["1": report.recovered.count])
        #expect(report.consistency.isEmpty, "\(report.consistency)")

        let legacy = try await Simulation.run(Self.options(.proceedNow, days: 6) { $0.legacyFraction = 0.1 })
        #expect(legacy.proceedNowDevicesAtRisk == atRisk)
        let cutOff = legacy.devicesAtEnd.filter { $0.cutOffDay != nil }
        #expect(!cutOff.isEmpty)
        #expect(cutOff.allSatisfy { $0.legacy })
        #expect(legacy.devicesAtEnd.filter { $0.legacy && $0.behaviour == "normal" }.allSatisfy { $0.cutOffDay != nil })
        #expect(legacy.cutOff.examples.allSatisfy { $0.reason.contains("does not validate to any of the 1 trusted anchor") })
        #expect(legacy.devicesAtEnd.filter { !$0.legacy && $0.behaviour == "normal" }.allSatisfy { $0.recoveredDay != nil })
    }

    @Test("chain: away devices miss three handovers (a new enterprise root, a pinned self-signed leaf, a second root) and walk all three; no device is cut off")
    func chain() async throws {
        let report = try await Simulation.run(Self.options(.chain, devices: 300, days: 75, seed: 11) {
            $0.awayFraction = 0.1
            $0.awayDays = 60
        })
        #expect(report.rollovers.count == 3)
        #expect(report.rollovers.allSatisfy { $0.outcome == "activated" }, "\(report.rollovers.map(\.detail))")
        #expect(report.activations.count == 3)
        #expect(report.cutOff.count == 0, "\(report.cutOff.examples)")
        let returned = report.devicesAtEnd.filter { $0.behaviour == "away" && ($0.lastSyncDay ?? 0) > 60 }
        #expect(!returned.isEmpty)
        #expect(returned.allSatisfy { $0.recordsWalked == 3 })
        #expect(report.recovered.count >= returned.count)
        #expect(report.recovered.byBehaviour["away"] == returned.count)
        #expect(report.enrollmentRefused.count == 0)
        #expect(report.stragglers.refusedIfReturningAtEnd == 0)
        #expect(report.consistency.isEmpty, "\(report.consistency)")
    }

    @Test("a reserve activates exactly after its delay, with no device cut off")
    func reserve() async throws {
        let report = try await Simulation.run(Self.options(.reserve, days: 14) { $0.reserveDelay = 10 * 86_400 })
        let rollover = try #require(report.rollover)
        let activated = try #require(rollover.activatedDay)
        #expect(abs(activated - rollover.createdDay - 10) < 1.0 / 86_400)
        #expect(report.cutOff.count == 0)
        #expect((report.deliveryCounts["installed"] ?? 0) > 150)
        #expect(report.alerts.isEmpty)
        #expect(report.consistency.isEmpty, "\(report.consistency)")
    }

    @Test("a simulated run's audit log holds only virtual times: the activation is audited on its virtual day")
    func auditInVirtualTime() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-sim-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let report = try await Simulation.run(Self.options(.reserve, devices: 60, days: 14) {
            $0.reserveDelay = 10 * 86_400
            $0.dataFolder = folder.path
        })
        let start = try #require(report.startedAt)
        let activated = try #require(report.rollover?.activatedDay)
        let store = try SQLiteStore(path: folder.appendingPathComponent("rollover.sqlite").path)
        let audit = try await store.auditLog(limit: 100_000)
        try await store.close()
        #expect(!audit.isEmpty)
        let end = start.addingTimeInterval(report.days * 86_400)
        #expect(audit.allSatisfy { $0.at >= start && $0.at <= end }, "\(audit.filter { $0.at < start || $0.at > end }.prefix(3))")
        let activation = try #require(audit.first { $0.action == "rollover.activate" })
        #expect(abs(activation.at.timeIntervalSince(start) - activated * 86_400) <= 1, "audited at \(activation.at), activated on day \(activated)")
    }

    @Test("automatic reissue: the lifecycle issues the reserve itself and activates it a day before the live certificate expires, cutting off no one")
    func autoReissue() async throws {
        let report = try await Simulation.run(Self.options(.autoReissue, days: 24))
        let rollover = try #require(report.rollover)
        #expect(rollover.preset == "auto-reissue")
        #expect(rollover.createdDay > report.scenarioStartDay)
        let activated = try #require(rollover.activatedDay)
        #expect(activated < report.initialExpiryDay)
        #expect(abs(report.initialExpiryDay - activated - 1) < 1.0 / 86_400)
        // Issued at the lifecycle's (virtual) instant, not the wall clock's: valid from an hour before it.
        let validFrom = try #require(rollover.certificateValidFromDay)
        #expect(abs(validFrom - (rollover.createdDay - 1.0 / 24)) < 1.0 / 86_400, "valid from day \(validFrom), created on day \(rollover.createdDay)")
        #expect(report.cutOff.count == 0)
        #expect(report.refusedBeforeActivation == 0)
        #expect(report.consistency.isEmpty, "\(report.consistency)")
    }

    @Test("address change: devices that synced move to the new address and none is cut off; devices that never synced keep the old one")
    func addressChange() async throws {
        let report = try await Simulation.run(Self.options(.addressChange, days: 12) { $0.reserveDelay = 7 * 86_400 })
        let activated = try #require(report.rollover?.activatedDay)
        #expect(report.cutOff.count == 0)
        let moved = report.devicesAtEnd.filter { ($0.lastSyncDay ?? 0) > activated }
        #expect(moved.count > 150)
        #expect(moved.allSatisfy { $0.host == "mdm-new.example.test" })
        let offline = report.devicesAtEnd.filter { $0.behaviour == "offline" }
        #expect(!offline.isEmpty)
        #expect(offline.allSatisfy { $0.host == "mdm.example.test" })
        #expect(report.consistency.isEmpty, "\(report.consistency)")
    }

    @Test("the same seed gives the same report, another seed another fleet")
    func repeatable() async throws {
        let options = Self.options(.reserve, devices: 60, days: 8, seed: 11) {
            $0.reserveDelay = 4 * 86_400
            $0.syncPeriod = 3 * 3600
        }
        let first = try await Simulation.run(options)
        let second = try await Simulation.run(options)
        #expect(first.withoutRunSpecifics() == second.withoutRunSpecifics())
        #expect(first.startedAt != nil && first.performance != nil)
        var other = options
        other.seed = 12
        let third = try await Simulation.run(other)
        #expect(third.devicesAtEnd.map(\.lastSyncDay) != first.devicesAtEnd.map(\.lastSyncDay))
    }

    @Test("reusing the outcome of identical device steps gives the same report as running the real code for every sync",
          arguments: [SimulationOptions.Scenario.distributeFirst, .addressChange, .proceedNow])
    func memoizationIsExact(_ scenario: SimulationOptions.Scenario) async throws {
        let options = Self.options(scenario, devices: 40, days: 8, seed: 5) {
            $0.reserveDelay = 3 * 86_400
            $0.syncPeriod = 2 * 3600
            $0.darkFraction = 0.3
            $0.darkDays = 3
            $0.failingFraction = 0.1
        }
        var unmemoized = options
        unmemoized.memoize = false
        let fast = try await Simulation.run(options)
        let slow = try await Simulation.run(unmemoized)
        #expect(fast.withoutRunSpecifics() == slow.withoutRunSpecifics())
        if scenario == .distributeFirst {
            // Failed installs rest and are retried: the part of the cache key that depends on time.
            #expect(fast.devicesAtEnd.contains { $0.behaviour == "failing" && ($0.deliveryAttempts ?? 0) > 2 })
        } else if scenario == .addressChange {
            #expect(fast.devicesAtEnd.contains { $0.host == "mdm-new.example.test" })
        } else {
            #expect(fast.recovered.count > 0)
        }
        #expect(fast.consistency.isEmpty, "\(fast.consistency)")
        #expect((fast.performance?.stepCacheHits ?? 0) > 10 * (fast.performance?.stepCacheMisses ?? 1))
        #expect(slow.performance?.stepCacheHits == 0)
        #expect(slow.performance.map { $0.trustEvaluations >= slow.syncs } == true)
    }

    @Test("late enrollers during a rollover end installed; after the switch a stale enrollment file walks the handover record and a fresh one needs not")
    func lateEnrollers() async throws {
        let stale = try await Simulation.run(Self.options(.distributeFirst, devices: 100, days: 12, seed: 3) { $0.lateEnrollFraction = 0.3 })
        let rollover = try #require(stale.rollover)
        let activated = try #require(rollover.activatedDay)
        let late = stale.devicesAtEnd.filter { $0.behaviour == "late-enroll" }
        let during = late.filter { ($0.enrolledDay ?? -1) >= rollover.createdDay && ($0.enrolledDay ?? .infinity) < activated }
        #expect(!during.isEmpty)
        #expect(during.allSatisfy { $0.deliveryState == "installed" })
        #expect(stale.enrollmentRefused.count == 0)
        let afterSwitch = late.filter { ($0.enrolledDay ?? -1) > activated }
        #expect(!afterSwitch.isEmpty)
        #expect(afterSwitch.allSatisfy { $0.recordsWalked == 1 })
        #expect(stale.cutOff.count == 0)

        let fresh = try await Simulation.run(Self.options(.distributeFirst, devices: 100, days: 12, seed: 3) {
            $0.lateEnrollFraction = 0.3
            $0.enrollmentAnchors = .current
        })
        #expect(fresh.enrollmentRefused.count == 0)
        #expect(fresh.devicesAtEnd.filter { $0.behaviour == "late-enroll" }.allSatisfy { $0.recordsWalked == 0 })
        #expect(fresh.devicesAtEnd.filter { $0.behaviour == "late-enroll" }.allSatisfy { $0.enrolledDay != nil })
        #expect(fresh.cutOff.count == 0)
    }

    @Test("devices whose installs fail hold a distribute-first rollover past its deadline; the activate deadline policy cuts exactly them off")
    func failingInstalls() async throws {
        let held = try await Simulation.run(Self.options(.distributeFirst, days: 24) { $0.failingFraction = 0.05 })
        #expect(held.rollover?.outcome == "held")
        #expect((held.alerts["rollover-held"] ?? 0) > 0)
        #expect((held.deliveryCounts["failed"] ?? 0) + (held.deliveryCounts["retrying"] ?? 0) > 0)
        #expect(held.cutOff.count == 0)

        let forced = try await Simulation.run(Self.options(.distributeFirst, days: 24) {
            $0.failingFraction = 0.05
            $0.settings = ["deadline-policy": "activate"]
        })
        let rollover = try #require(forced.rollover)
        #expect(rollover.outcome == "activated")
        #expect(abs((rollover.activatedDay ?? 0) - rollover.createdDay - 21) < 1.0 / 86_400)
        let failing = forced.devicesAtEnd.filter { $0.behaviour == "failing" }
        #expect(forced.cutOff.count > 0)
        #expect(forced.cutOff.count <= failing.count)
        #expect(forced.cutOff.examples.allSatisfy { $0.behaviour == "failing" })
    }

    @Test("options that cannot run are refused before anything is created")
    func refusedOptions() async throws {
        var options = SimulationOptions()
        options.offlineFraction = 0.6
        options.darkFraction = 0.6
        #expect(options.problem == "the behaviour fractions add up to more than 1")
        options = SimulationOptions()
        options.days = 0.5
        #expect(options.problem?.contains("warm-up") == true)
        options = SimulationOptions()
        options.awayDays = 0
        #expect(options.problem == "--away-days is more than 0 and at most 3650")
        options = SimulationOptions()
        options.legacyFraction = 1.5
        #expect(options.problem == "--legacy-fraction is between 0 and 1")
        options = SimulationOptions()
        options.settings = ["deadline-policy": "later"]
        #expect(options.problem == "deadline-policy is hold or activate")
        await #expect(throws: SimulationError.self) { try await Simulation.run(options) }
    }
}
