import Foundation

/// Runs the built `rollover` executable as a script would, for tests of the command line.
public enum RolloverCLI {
    public static let binary = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/rollover")

    public typealias Outcome = ProcessRunner.Outcome

    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], in directory: URL? = nil) throws -> Outcome {
        try ProcessRunner.run(binary, arguments, stdin: stdin, environment: environment, in: directory)
    }
}
