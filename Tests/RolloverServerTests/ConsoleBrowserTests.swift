import Foundation
import RolloverTestSupport
import Testing

/// The web console in a real headless browser (Debian's chromium and chromium-driver, driven by Selenium from PyPI,
/// both installed by `.ci/run`), against a real `rollover serve` with three real agents, one of which cannot
/// install what it is sent. The steps and their assertions are in `Tests/console/console_browser_test.py`;
/// screenshots of every page at 1280×800 and 390×844 go to `test-artifacts/console-screenshots/`.
@Suite("Console in a browser", .serialized)
struct ConsoleBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let screenshots = packageRoot.appendingPathComponent("test-artifacts/console-screenshots")

    /// Whether chromium, its driver and Selenium are here; outside CI a missing one skips the test, saying so.
    static func browserAvailable() -> Bool {
        let missing = [("/usr/bin/chromium", "Debian's chromium"), ("/usr/bin/chromedriver", "Debian's chromium-driver")]
            .filter { !FileManager.default.isExecutableFile(atPath: $0.0) }.map(\.1)
            + ((try? ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import selenium"]).status) == 0 ? [] : ["selenium (pip)"])
        guard !missing.isEmpty else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("the browser tests need \(missing.joined(separator: ", ")); .ci/run installs them")
        } else {
            print("skipped: the console browser test needs \(missing.joined(separator: ", ")) (bash .ci/run installs them)")
        }
        return false
    }

    @Test("in a browser: sign in, import a PFX and see its report, distribute its root, filter the devices, retry a failed one, reissue with a delay, switch HTTPS mode, sign out")
    func consoleWalkthrough() throws {
        guard OpenSSL.isAvailable, Self.browserAvailable() else { return }
        let lab = try DeviceEndToEndTests.Lab()
        defer { lab.server.stop() }
        var agents = try lab.startAgents(["device-a", "device-b"])
        // The third agent enrolls, then its state folder is made read-only (as the agent honours even as root), so it
        // reports every install as failed, with the reason.
        #expect(try lab.agent("device-c", ["--enroll-secret-file", try lab.enrollmentFile(for: "device-c")]).status == 0)
        let state = lab.folder.path("device-c")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: state)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state) }
        let failing = Process()
        failing.executableURL = RolloverCLI.binary
        failing.arguments = ["agent", "--server", lab.server.url, "--state", state, "--name", "device-c"]
        failing.standardOutput = FileHandle.nullDevice
        failing.standardError = FileHandle.nullDevice
        try failing.run()
        agents.append(failing)
        defer { for agent in agents where agent.isRunning { agent.terminate(); agent.waitUntilExit() } }
        #expect(try lab.wait { ((try lab.json(["devices"]) as? [String: Any])?["devices"] as? [Any])?.count == 3 })

        let pfx = try LiveServerTests().makeIdentities(lab.folder, count: 1)[0]
        try? FileManager.default.removeItem(at: Self.screenshots)
        let run = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.packageRoot.appendingPathComponent("Tests/console/console_browser_test.py").path],
            environment: ["CONSOLE_URL": lab.server.url, "ADMIN_TOKEN": lab.server.token, "PFX": pfx, "PFX_PASSWORD": "swap-pass",
                          "PFX_SUBJECT": "swap-0.example", "FAILING_DEVICE": "device-c", "DEVICE_COUNT": "3", "SCREENSHOTS": Self.screenshots.path])
        #expect(run.status == 0, "\(run.output)\n\(run.errors)\nserver log:\n\(lab.server.log.suffix(3000))")
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: Self.screenshots.path)) ?? []
        #expect(shots.filter { $0.hasSuffix("-1280x800.png") }.count >= 12 && shots.filter { $0.hasSuffix("-390x844.png") }.count >= 12,
                "screenshots: \(shots.sorted())")
        // The server logged no token and no key while the browser worked.
        // (The first start prints the token once, by design; nothing after it may.)
        let afterStart = lab.server.log.components(separatedBy: "serving HTTPS").dropFirst().joined()
        #expect(!afterStart.contains(lab.server.token) && !afterStart.contains("PRIVATE KEY"))
    }
}
