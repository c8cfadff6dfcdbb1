import Foundation
import RolloverTestSupport

/// A real `rollover serve` in a child process on a free loopback port, stopped with SIGTERM at the end.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let data: String
    let logFile: String

    /// - Parameters:
    ///   - listenFlag: pass `--listen` for `port`; without it the port must come from the environment or a config file.
    init(folder: ScratchFolder, port: Int? = nil, listenFlag: Bool = true, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        self.port = try port ?? Self.freePort()
        data = folder.path("data")
        logFile = folder.path("serve.log")
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.executableURL = RolloverCLI.binary
        process.arguments = ["serve", "--data", data] + (listenFlag ? ["--listen", "127.0.0.1:\(self.port)"] : [])
            + ["--address", "localhost", "--address", "127.0.0.1"] + extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !self.log.contains("serving HTTPS"), process.isRunning, Date() < deadline { usleep(50_000) }
        guard self.log.contains("serving HTTPS") else { throw ServerFailure(message: "the server did not start: \(self.log)") }
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
    var token: String { ((try? String(contentsOfFile: data + "/admin-token", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
    var caFile: String { data + "/ca.pem" }
    var url: String { "https://localhost:\(port)" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A port the kernel says is free now (bound to port 0, read back, released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw ServerFailure(message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct ServerFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// Runs a command-line client (curl, openssl, python3) and returns what it printed, both streams together.
enum Client {
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let outcome = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), arguments, stdin: input)
        return (outcome.status, outcome.output + outcome.errors)
    }
}
