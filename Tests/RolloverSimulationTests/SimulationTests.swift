import Foundation
import RolloverCore
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
        // Stragglers hold only the server's own CA root: the enterprise certificate would refuse them.
        #expect(report.stragglers.refusedIfReturningAtEnd == report.stragglers.count)
        // Every device enrolled before the activation that synced after it holds the new root.
        let synced = report.devicesAtEnd.filter { ($0.enrolledDay ?? .infinity) < activated && ($0.lastSyncDay ?? 0) > activated }
        #expect(synced.count > 150)
        #expect(synced.allSatisfy { $0.deliveryState == "installed" })
        #expect(report.consistency.isEmpty, "\(report.consistency)")
    }

    @Test("proceed now is refused without confirmation, naming the active devices, and once confirmed cuts off the devices it named")
    func proceedNow() async throws {
        let report = try await Simulation.run(Self.options(.proceedNow, days: 6))
        let atRisk = try #require(report.proceedNowDevicesAtRisk)
        let activation = try #require(report.activations.first)
        #expect(activation.day == report.scenarioStartDay)
        #expect(atRisk > 0)
        #expect(atRisk == activation.readiness?.activeDevices)
        #expect(report.cutOff.count > 0)
        #expect(report.cutOff.count <= atRisk)
        #expect(report.devicesAtEnd.filter { $0.behaviour == "normal" }.allSatisfy { $0.cutOffDay != nil })
        #expect(report.cutOff.examples.allSatisfy { $0.reason.contains("does not validate to any of the 1 trusted anchor") })
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

    @Test("automatic reissue: the lifecycle issues the reserve itself and activates it a day before the live certificate expires, cutting off no one")
    func autoReissue() async throws {
        let report = try await Simulation.run(Self.options(.autoReissue, days: 24))
        let rollover = try #require(report.rollover)
        #expect(rollover.preset == "auto-reissue")
        #expect(rollover.createdDay > report.scenarioStartDay)
        let activated = try #require(rollover.activatedDay)
        #expect(activated < report.initialExpiryDay)
        #expect(abs(report.initialExpiryDay - activated - 1) < 1.0 / 86_400)
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
          arguments: [SimulationOptions.Scenario.distributeFirst, .addressChange])
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
        } else {
            #expect(fast.devicesAtEnd.contains { $0.host == "mdm-new.example.test" })
        }
        #expect(fast.consistency.isEmpty, "\(fast.consistency)")
        #expect((fast.performance?.stepCacheHits ?? 0) > 10 * (fast.performance?.stepCacheMisses ?? 1))
        #expect(slow.performance?.stepCacheHits == 0)
        #expect(slow.performance.map { $0.trustEvaluations >= slow.syncs } == true)
    }

    @Test("late enrollers during a rollover end installed; after the switch a stale enrollment file is refused and a fresh one is not")
    func lateEnrollers() async throws {
        let stale = try await Simulation.run(Self.options(.distributeFirst, devices: 100, days: 12, seed: 3) { $0.lateEnrollFraction = 0.3 })
        let rollover = try #require(stale.rollover)
        let activated = try #require(rollover.activatedDay)
        let late = stale.devicesAtEnd.filter { $0.behaviour == "late-enroll" }
        let during = late.filter { ($0.enrolledDay ?? -1) >= rollover.createdDay && ($0.enrolledDay ?? .infinity) < activated }
        #expect(!during.isEmpty)
        #expect(during.allSatisfy { $0.deliveryState == "installed" })
        #expect(stale.enrollmentRefused.count > 0)
        #expect(stale.enrollmentRefused.examples.allSatisfy { $0.day >= activated })
        #expect(stale.cutOff.count == 0)

        let fresh = try await Simulation.run(Self.options(.distributeFirst, devices: 100, days: 12, seed: 3) {
            $0.lateEnrollFraction = 0.3
            $0.enrollmentAnchors = .current
        })
        #expect(fresh.enrollmentRefused.count == 0)
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
        options.settings = ["deadline-policy": "later"]
        #expect(options.problem == "deadline-policy is hold or activate")
        await #expect(throws: SimulationError.self) { try await Simulation.run(options) }
    }
}
