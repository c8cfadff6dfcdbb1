import ArgumentParser
import Foundation
import RolloverAPIClient

/// How the CLI reaches a running server: `--server`/`ROLLOVER_SERVER`, `--token-file`/`ROLLOVER_TOKEN`,
/// `--cacert`/`ROLLOVER_CA` (the server's `ca.pem`).
struct RemoteOptions: ParsableArguments {
    @Option(help: "The server's URL, e.g. https://mdm.example.com:8443 (or ROLLOVER_SERVER).")
    var server: String?

    @Option(help: "A file holding an admin token (or the token itself in ROLLOVER_TOKEN).")
    var tokenFile: String?

    @Option(help: "The server's CA certificate to trust (or ROLLOVER_CA); the system store otherwise.")
    var cacert: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var serverURL: String? { server ?? environment["ROLLOVER_SERVER"] }

    func client() throws -> RolloverAPIClient {
        guard let url = serverURL else { throw UsageFailure("give --server URL or set ROLLOVER_SERVER") }
        let token: String
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else { throw UsageFailure("cannot read the token file \(tokenFile)") }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let value = environment["ROLLOVER_TOKEN"] {
            token = value
        } else {
            throw UsageFailure("give --token-file FILE or set ROLLOVER_TOKEN")
        }
        do {
            return try RolloverAPIClient(server: url, token: token, caFile: cacert ?? environment["ROLLOVER_CA"])
        } catch let refusal as TokenTransport.Refusal {
            throw UsageFailure(refusal.description)
        }
    }

    /// Runs `body` with a client and always shuts it down; server errors print their code and exit 1.
    func withClient<T>(_ body: (RolloverAPIClient) async throws -> T) async throws -> T {
        let client = try client()
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch let failure as APIFailure {
            try? await client.shutdown()
            FileHandle.standardError.write(Data("rollover: \(TerminalText.escaped(failure.description))\n".utf8))
            throw ExitCode(1)
        } catch let error as ExitCode {
            try? await client.shutdown()
            throw error
        } catch {
            try? await client.shutdown()
            let text = "\(error)"
            let reason = text.contains("CERTIFICATE_VERIFY_FAILED")
                ? "the server's certificate is not trusted: give its CA with --cacert (or ROLLOVER_CA), or the new root if the certificate changed"
                : text.contains("connect") || text.contains("refused") ? "the server does not answer (\(text.prefix(120)))" : String(text.prefix(200))
            FileHandle.standardError.write(Data("rollover: cannot talk to \(serverURL ?? "the server"): \(reason)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Prints a server's JSON answer as it is (`--json`) or as rows of text.
enum RemoteOutput {
    static func json(_ data: Data) {
        if let object = try? JSONSerialization.jsonObject(with: data),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        {
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
    static func array(_ data: Data) -> [[String: Any]] { (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? [] }

    /// One line of text that carries what a server said (names, subjects, warnings), control characters escaped.
    static func line(_ text: String) { print(TerminalText.escaped(text)) }

    /// Columns padded to their widest cell; control characters in a cell are shown escaped (`TerminalText`).
    static func table(_ header: [String], _ rows: [[String]]) {
        let rows = rows.map { $0.map(TerminalText.escaped) }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}
