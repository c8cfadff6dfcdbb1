import Foundation
import RolloverTestSupport
import Testing

/// The command line and `rollover serve` as a careless administrator or an attacker would meet them: output paths
/// that are devices, a master key rotated under a running server, the last admin token, a token sent over plain
/// HTTP, names measured in bytes, and escape sequences in what the server answers.
@Suite("CLI hardening", .serialized)
struct CLIHardeningTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    static func inode(_ path: String) throws -> UInt64 {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64)
    }

    @Test("keys rotate-master refuses while rollover serve runs on the data folder (store-in-use) and runs once it stopped")
    func rotationRefusedWhileServing() throws {
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let keyFile = try String(contentsOfFile: server.data + "/master.key", encoding: .utf8)
        let refused = try RolloverCLI.run(["keys", "rotate-master", "--data", server.data])
        #expect(refused.status == 1, "\(refused.output) \(refused.errors)")
        #expect(refused.errors.contains("store-in-use"), "\(refused.errors)")
        #expect(try String(contentsOfFile: server.data + "/master.key", encoding: .utf8) == keyFile, "the master key is unchanged")
        #expect(!FileManager.default.fileExists(atPath: server.data + "/master.key.new"))
        let health = try Client.run(["curl", "-sS", "--cacert", server.caFile, "\(server.url)/api/v1/health"])
        #expect(health.status == 0, "the server still serves: \(health.output)")

        server.stop()
        let rotated = try RolloverCLI.run(["keys", "rotate-master", "--data", server.data])
        #expect(rotated.status == 0 && rotated.output.contains("Re-sealed"), "\(rotated.output) \(rotated.errors)")
        #expect(try String(contentsOfFile: server.data + "/master.key", encoding: .utf8) != keyFile)
        #expect(try Self.mode(server.data + "/master.key") == 0o600)
        let restarted = try ServerProcess(folder: folder, port: server.port)
        defer { restarted.stop() }
        #expect(try Client.run(["curl", "-sS", "--cacert", restarted.caFile, "\(restarted.url)/api/v1/health"]).status == 0,
                "the server starts with the new key")
    }

    @Test("with PostgreSQL, keys rotate-master from another machine's data folder refuses while a server uses the store")
    func rotationRefusedAcrossMachines() throws {
        guard let base = ProcessInfo.processInfo.environment["ROLLOVER_TEST_POSTGRES_URL"],
              let psql = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
                .map({ "/usr/lib/postgresql/\($0)/bin/psql" }), FileManager.default.isExecutableFile(atPath: psql)
        else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CI must run this test through scripts/with-postgres") }
            print("skipped: the PostgreSQL rotation test needs ROLLOVER_TEST_POSTGRES_URL and psql (run it with scripts/with-postgres)")
            return
        }
        // A database of its own: the store suites drop and recreate the shared one.
        let database = "rollover_cli_\(UInt32.random(in: 0...UInt32.max))"
        let created = try ProcessRunner.run(URL(fileURLWithPath: psql), ["-X", "-q", base, "-c", "CREATE DATABASE \(database)"])
        try #require(created.status == 0, "\(created.errors)")
        defer { _ = try? ProcessRunner.run(URL(fileURLWithPath: psql), ["-X", "-q", base, "-c", "DROP DATABASE \(database) WITH (FORCE)"]) }
        var url = try #require(URLComponents(string: base))
        url.path = "/" + database
        let store = try #require(url.string)

        let here = try ScratchFolder(), there = try ScratchFolder()
        let server = try ServerProcess(folder: here, extraArguments: ["--database", store])
        defer { server.stop() }
        // The other machine: its own data folder with the same master key.
        try FileManager.default.createDirectory(atPath: there.path("data"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: server.data + "/master.key", toPath: there.path("data/master.key"))
        let rotate = ["keys", "rotate-master", "--data", there.path("data"), "--database", store]
        let refused = try RolloverCLI.run(rotate)
        #expect(refused.status == 1 && refused.errors.contains("store-in-use") && refused.errors.contains("PostgreSQL"), "\(refused.errors)")
        #expect(try String(contentsOfFile: there.path("data/master.key"), encoding: .utf8)
                == String(contentsOfFile: server.data + "/master.key", encoding: .utf8), "nothing was rotated")

        server.stop()
        let rotated = try RolloverCLI.run(rotate)
        #expect(rotated.status == 0 && rotated.output.contains("Re-sealed"), "\(rotated.output) \(rotated.errors)")
    }

    @Test("serve makes an existing data folder 0700, the admin token 0600 and the database private, and a restart keeps an unchanged ca.pem")
    func serveKeepsItsFilesPrivate() throws {
        let folder = try ScratchFolder()
        let data = folder.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        var server: ServerProcess? = try ServerProcess(folder: folder)
        let port = server!.port
        #expect(try Self.mode(data) == 0o700)
        #expect(try Self.mode(data + "/admin-token") == 0o600)
        #expect(try Self.mode(data + "/rollover.sqlite") == 0o600)
        #expect(try Self.mode(data + "/ca.pem") == 0o644, "ca.pem is public")
        let caInode = try Self.inode(data + "/ca.pem")
        server?.stop()
        server = nil
        #expect(chmod(data, 0o755) == 0)
        let restarted = try ServerProcess(folder: folder, port: port)
        defer { restarted.stop() }
        #expect(try Self.inode(data + "/ca.pem") == caInode, "an unchanged ca.pem is not written again")
        #expect(try Self.mode(data) == 0o700)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("csr --out and enroll-secrets create --output refuse /dev/null, a pipe or a folder with not-a-regular-file, and change nothing")
    func outputPathsMustBeRegularFiles() throws {
        let folder = try ScratchFolder()
        #expect(mkfifo(folder.path("pipe"), 0o600) == 0)
        let csr = ["csr", "--data", folder.path("csr-data"), "--common-name", "mdm.example.com", "--country", "DE", "--organization", "Example",
                   "--address", "mdm.example.com"]
        for target in ["/dev/null", folder.path("pipe"), folder.url.path] {
            let refused = try RolloverCLI.run(csr + ["--out", target])
            #expect(refused.status == 1 && refused.errors.contains("not-a-regular-file"), "\(target): \(refused.errors)")
        }
        #expect(try RolloverCLI.run(["csr", "list", "--data", folder.path("csr-data")]).output.contains("No pending signing requests"),
                "no key and no request were made")
        var status = stat()
        #expect(lstat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "/dev/null is still the device")
        let written = try RolloverCLI.run(csr + ["--out", folder.path("request.csr")])
        #expect(written.status == 0, "\(written.errors)")
        #expect(try String(contentsOfFile: folder.path("request.csr"), encoding: .utf8).hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))

        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
        for target in ["/dev/null", folder.path("pipe")] {
            let refused = try RolloverCLI.run(["enroll-secrets", "create", "--name", "site-a", "--output", target] + remote)
            #expect(refused.status == 1 && refused.errors.contains("not-a-regular-file"), "\(target): \(refused.errors)")
        }
        let secrets = try RolloverCLI.run(["enroll-secrets", "list"] + remote)
        #expect(secrets.status == 0 && !secrets.output.contains("site-a"), "no secret was created: \(secrets.output)")
        let enrollment = folder.path("enrollment.json")
        let created = try RolloverCLI.run(["enroll-secrets", "create", "--name", "site-a", "--output", enrollment] + remote)
        #expect(created.status == 0, "\(created.errors)")
        #expect(try Self.mode(enrollment) == 0o600)

        // export-trust checks every file's path before it writes the first.
        let exported = try RolloverCLI.run(["export-trust", "--format", "windows", "--output", folder.path("first")] + remote)
        let names = exported.output.split(separator: "\n").map { ($0 as NSString).lastPathComponent }
        #expect(exported.status == 0 && !names.isEmpty, "\(exported.errors)")
        let blocked = folder.path("second")
        try FileManager.default.createDirectory(atPath: blocked + "/" + names[names.count - 1], withIntermediateDirectories: true)
        let refused = try RolloverCLI.run(["export-trust", "--format", "windows", "--output", blocked] + remote)
        #expect(refused.status == 1 && refused.errors.contains("not-a-regular-file"), "\(refused.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: blocked) == [names[names.count - 1]], "nothing else was written")
    }

    @Test("the last admin token cannot be revoked from the CLI: exit 1 with last-admin-token, and the token still works")
    func lastTokenCannotBeRevoked() throws {
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
        let refused = try RolloverCLI.run(["tokens", "revoke", "initial-admin"] + remote)
        #expect(refused.status == 1 && refused.errors.contains("last-admin-token"), "\(refused.errors)")
        #expect(try RolloverCLI.run(["certs"] + remote).status == 0, "the token still works")
        let api = try Client.run(["curl", "-sS", "-w", " %{http_code}", "-X", "DELETE", "--cacert", server.caFile,
                                  "-H", "Authorization: Bearer \(server.token)", "\(server.url)/api/v1/admin/tokens/initial-admin"])
        #expect(api.output.contains(#""code":"last-admin-token""#) && api.output.hasSuffix(" 409"), "\(api.output)")
    }

    @Test("the CLI never sends the admin token over http:// except to loopback (insecure-server-url), before connecting")
    func plainHTTPOnlyToLoopback() throws {
        let token = ["ROLLOVER_TOKEN": "rollover_secret"]
        for url in ["http://mdm.example.com:8443", "http://10.0.0.5:8443", "http://[2001:db8::1]:8443", "http://127.0.0.1.example.com", "ftp://localhost"] {
            let refused = try RolloverCLI.run(["certs", "--server", url], environment: token)
            #expect(refused.status == 2, "\(url): \(refused.errors)")
            #expect(refused.errors.contains(url.hasPrefix("http:") ? "insecure-server-url" : "invalid-server-url"), "\(url): \(refused.errors)")
        }
        // Loopback is allowed: the request reaches the server's plain listeners, which never serve the admin API.
        let folder = try ScratchFolder()
        let (v4, other, v6) = (try ServerProcess.freePort(), try ServerProcess.freePort(), try ServerProcess.freePort())
        let server = try ServerProcess(folder: folder, extraArguments: [
            "--plain-listen", "127.0.0.1:\(v4)", "--plain-listen", "127.8.9.10:\(other)", "--plain-listen", "[::1]:\(v6)"])
        defer { server.stop() }
        for url in ["http://127.0.0.1:\(v4)", "http://localhost:\(v4)", "http://127.8.9.10:\(other)", "http://[::1]:\(v6)"] {
            let allowed = try RolloverCLI.run(["certs", "--server", url], environment: token)
            #expect(allowed.status == 1 && allowed.errors.contains("https-required"), "\(url) was sent to: \(allowed.errors)")
        }
    }

    @Test("names are bounded in UTF-8 bytes (name-too-long) and refused with control characters by the CLI and the server; tables carry no raw control character")
    func namesAndTerminalEscapes() throws {
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
        let wide = String(repeating: "🔑", count: 40)   // 40 characters, 160 bytes
        let cli = try RolloverCLI.run(["tokens", "create", wide] + remote)
        #expect(cli.status == 2 && cli.errors.contains("name-too-long"), "\(cli.errors)")
        let secret = try RolloverCLI.run(["enroll-secrets", "create", "--name", wide] + remote)
        #expect(secret.status == 2 && secret.errors.contains("name-too-long"), "\(secret.errors)")
        for path in ["tokens", "enrollment-secrets"] {
            let api = try Client.run(["curl", "-sS", "-w", " %{http_code}", "--cacert", server.caFile, "-H", "Authorization: Bearer \(server.token)",
                                      "-H", "Content-Type: application/json", "--data", #"{"name":"\#(wide)"}"#, "\(server.url)/api/v1/admin/\(path)"])
            #expect(api.output.contains(#""code":"name-too-long""#) && api.output.hasSuffix(" 400"), "\(path): \(api.output)")
        }

        // A name with terminal escapes never gets in (the store refuses control and format characters), so the
        // tables' escaping is the second line of defence, for text the store does not check (certificate subjects).
        let hostile = "ops\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}"
        let created = try RolloverCLI.run(["tokens", "create", hostile] + remote)
        #expect(created.status != 0 && (created.errors + created.output).contains("name-control-character"), "\(created.errors)")
        let table = try RolloverCLI.run(["tokens"] + remote)
        #expect(table.status == 0)
        #expect(!table.output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{202E}" }, "no raw control character reaches the terminal")
    }
}
