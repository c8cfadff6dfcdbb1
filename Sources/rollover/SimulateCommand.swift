import ArgumentParser
import Foundation
import RolloverCore
import RolloverSimulation

/// `rollover simulate`: a fleet of virtual devices against a real store in virtual time (RolloverSimulation).
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a fleet through a certificate rollover in virtual time and report who would be cut off.",
        discussion: """
            Runs the real lifecycle, device sync decisions and agent core against a real store (a temporary SQLite \
            database unless --data or --database is given). The fleet enrolls on day 0; the scenario starts after a \
            warm-up (one day, or two sync periods). Durations: 90s, 30m, 12h, 7d (a bare number is days).
            Cut off: every enrolled device that could not connect after an activation, stragglers coming back included \
            (devices running the agent first walk the signed handover chain; those that did are counted as recovered). \
            Stragglers: devices that never synced from the scenario's start on.
            """)

    @Option(help: "How many devices.") var devices = 1000
    @Option(help: "How many days to simulate, from the fleet's enrollment.") var days: Double = 30
    @Option(help: "How often devices sync (sync-period-seconds).") var syncPeriod = "1h"
    @Option(help: "distribute-first, reserve, proceed-now, auto-reissue, address-change or chain (three handovers 20 days apart).") var scenario = SimulationOptions.Scenario.distributeFirst.rawValue
    @Option(help: "Fraction of devices that never sync after enrolling.") var offlineFraction = 0.02
    @Option(help: "Fraction of devices that go dark once, for --dark-days, at a random time.") var darkFraction = 0.05
    @Option(help: "How long dark devices stay dark.") var darkDays = "10d"
    @Option(help: "Fraction of devices whose every install fails.") var failingFraction = 0.0
    @Option(help: "Fraction of devices that enroll at a random time during the run.") var lateEnrollFraction = 0.02
    @Option(help: "Fraction of devices that stop syncing a day before the scenario and come back --away-days later.") var awayFraction = 0.05
    @Option(help: "How long away devices stay away.") var awayDays = "60d"
    @Option(help: "Fraction of devices that cannot walk handover records (managed without the agent).") var legacyFraction = 0.0
    @Option(help: "reserve and address-change: the activation delay.") var reserveDays = "14d"
    @Option(help: "The warm-up before the scenario starts (default: 1d, or two sync periods if longer).") var warmUp: String?
    @Option(help: "Where late enrollers get their first anchors: start (one enrollment file made at the start) or current (a fresh one each).")
    var enrollmentAnchors = SimulationOptions.EnrollmentAnchors.atStart.rawValue
    @Option(name: .customLong("setting"), help: "A server setting KEY=VALUE to set before the run (repeatable), e.g. deadline-policy=activate.")
    var settings: [String] = []
    @Option(help: "The seed of every random choice; the same seed gives the same report.") var seed: UInt64 = 1
    @Option(help: "Keep the store in this data folder (it must be empty) instead of a temporary one.") var data: String?
    @Option(help: "A PostgreSQL URL (an empty database) instead of SQLite.") var database: String?
    @Flag(help: "Run the real code for every sync instead of reusing outcomes of identical device steps (slow; for checking).")
    var noMemo = false
    @Flag(help: "Print the report as JSON, with every device's state at the end.") var json = false
    @Flag(help: "Exit with status 1 when any device was cut off.") var failOnCutoff = false

    func run() async throws {
        var options = SimulationOptions()
        options.devices = devices
        options.days = days
        options.syncPeriod = try Self.duration(syncPeriod, "--sync-period")
        guard let chosen = SimulationOptions.Scenario(rawValue: scenario) else {
            throw UsageFailure("--scenario is one of \(SimulationOptions.Scenario.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        options.scenario = chosen
        options.offlineFraction = offlineFraction
        options.darkFraction = darkFraction
        options.darkDays = try Self.duration(darkDays, "--dark-days") / 86_400
        options.failingFraction = failingFraction
        options.lateEnrollFraction = lateEnrollFraction
        options.awayFraction = awayFraction
        options.awayDays = try Self.duration(awayDays, "--away-days") / 86_400
        options.legacyFraction = legacyFraction
        options.reserveDelay = try Self.duration(reserveDays, "--reserve-days")
        options.warmUp = try warmUp.map { try Self.duration($0, "--warm-up") }
        guard let anchors = SimulationOptions.EnrollmentAnchors(rawValue: enrollmentAnchors) else {
            throw UsageFailure("--enrollment-anchors is start or current")
        }
        options.enrollmentAnchors = anchors
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else { throw UsageFailure("--setting takes KEY=VALUE, not \(setting)") }
            options.settings[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        options.seed = seed
        options.dataFolder = data
        options.databaseURL = database
        options.memoize = !noMemo
        if let problem = options.problem { throw UsageFailure(problem) }

        let report = try await Simulation.run(options)
        print(json ? try report.json() : report.text)
        if failOnCutoff, report.cutOff.count > 0 { throw ExitCode(1) }
    }

    static func duration(_ text: String, _ flag: String) throws -> TimeInterval {
        guard let seconds = SettingDuration.parse(text) else { throw UsageFailure("\(flag) is a duration such as 90s, 30m, 12h or 7d, not \(text)") }
        return seconds
    }
}
