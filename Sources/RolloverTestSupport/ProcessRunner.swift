import Foundation

/// Runs a program to completion, feeding it standard input, and returns its status and what it printed.
public enum ProcessRunner {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    public static func run(_ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           in directory: URL? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Standard error is drained on its own thread so a chatty program cannot block on a full pipe.
        let errorText = DrainedText()
        let drained = DispatchSemaphore(value: 0)
        Thread {
            errorText.value = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            drained.signal()
        }.start()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        drained.wait()
        return Outcome(status: process.terminationStatus, output: out, errors: errorText.value)
    }
}

/// Written once by the draining thread and read only after it signalled, so no lock is needed.
private final class DrainedText: @unchecked Sendable {
    var value = ""
}
