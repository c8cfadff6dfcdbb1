import Foundation
import RolloverTestSupport
import Testing

/// `rollover serve` with real clients: curl, openssl s_client, and a load of kept-open connections through swaps.
@Suite("Live server", .serialized)
struct LiveServerTests {
    /// An openssl CA and server identities it signs for localhost and 127.0.0.1, exported as legacy PKCS#12.
    func makeIdentities(_ folder: ScratchFolder, count: Int, names: String = "DNS:localhost,IP:127.0.0.1") throws -> [String] {
        try OpenSSL.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.path("test-ca.key"), "-out", folder.path("test-ca.pem"),
                         "-days", "30", "-subj", "/CN=Test Enterprise CA"])
        try folder.write("server.cnf", "subjectAltName=\(names)\nextendedKeyUsage=serverAuth\n")
        return try (0..<count).map { index in
            try OpenSSL.run(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.path("s\(index).key"), "-out", folder.path("s\(index).csr"),
                             "-subj", "/CN=swap-\(index).example"])
            try OpenSSL.run(["x509", "-req", "-in", folder.path("s\(index).csr"), "-CA", folder.path("test-ca.pem"), "-CAkey", folder.path("test-ca.key"),
                             "-CAcreateserial", "-days", "90", "-extfile", folder.path("server.cnf"), "-out", folder.path("s\(index).pem")])
            try OpenSSL.run(["pkcs12", "-export", "-legacy", "-inkey", folder.path("s\(index).key"), "-in", folder.path("s\(index).pem"),
                             "-certfile", folder.path("test-ca.pem"), "-out", folder.path("s\(index).pfx"), "-passout", "pass:swap-pass"])
            return folder.path("s\(index).pfx")
        }
    }

    @Test("curl trusts the server with ca.pem; a legacy PFX imported and activated is served to new handshakes while an open connection carries on, without a restart")
    func swapWithoutRestart() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let health = try Client.run(["curl", "-sS", "--cacert", server.caFile, "\(server.url)/api/v1/health"])
        #expect(health.status == 0 && health.output.contains(#""status":"ok""#), "\(health.output)")
        let pfx = try makeIdentities(folder, count: 1)[0]

        // A connection opened before the swap: one request now, one after.
        let before = Process()
        before.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        before.arguments = ["openssl", "s_client", "-connect", "127.0.0.1:\(server.port)", "-servername", "localhost", "-CAfile", server.caFile, "-quiet"]
        let toServer = Pipe(), fromServer = Pipe()
        before.standardInput = toServer
        before.standardOutput = fromServer
        before.standardError = FileHandle.nullDevice
        try before.run()
        toServer.fileHandleForWriting.write(Data("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        usleep(500_000)

        // `rollover import` and `rollover activate` against the running server, as an administrator would.
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
        let imported = try RolloverCLI.run(["import", pfx, "--password-env", "PFX_PASSWORD", "--address", "localhost", "--json"] + remote,
                                           environment: ["PFX_PASSWORD": "swap-pass"])
        #expect(imported.status == 0 && imported.output.contains(#""state" : "staged""#), "\(imported.output)\(imported.errors)")
        let id = try #require(imported.output.range(of: #""id" : (\d+)"#, options: .regularExpression).map { String(imported.output[$0].dropFirst(7)) })
        let activated = try RolloverCLI.run(["activate", id, "--json"] + remote)
        #expect(activated.status == 0 && activated.output.contains(#""state" : "active""#), "\(activated.output)\(activated.errors)")

        let fresh = try Client.run(["openssl", "s_client", "-connect", "127.0.0.1:\(server.port)", "-servername", "localhost",
                                    "-CAfile", folder.path("test-ca.pem")], input: "")
        #expect(fresh.output.contains("CN = swap-0.example") && fresh.output.contains("Verify return code: 0 (ok)"), "\(fresh.output)")

        toServer.fileHandleForWriting.write(Data("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
        try toServer.fileHandleForWriting.close()
        let answers = String(decoding: fromServer.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        before.waitUntilExit()
        #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 2, "the open connection answered before and after: \(answers)")
        #expect(server.process.isRunning, "no restart: the same process serves on")

        // Secrets never show up in responses or in the log (the one announcement of the first token aside).
        let logAfterStart = server.log.split(separator: "\n").filter { !$0.hasPrefix("Admin token (shown once") }.joined(separator: "\n")
        let key = try String(contentsOfFile: folder.path("s0.key"), encoding: .utf8).split(separator: "\n")[1]
        for text in [logAfterStart, imported.output, imported.errors, activated.output, health.output] {
            #expect(!text.contains(server.token) && !text.contains(key) && !text.contains("PRIVATE KEY"))
        }
    }

    @Test("fifty busy connections through three swaps: no failed request, and every later handshake sees the new certificate within a second")
    func swapsUnderLoad() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let identities = try makeIdentities(folder, count: 3)
        let bundle = try String(contentsOfFile: server.caFile, encoding: .utf8) + "\n" + String(contentsOfFile: folder.path("test-ca.pem"), encoding: .utf8)
        try folder.write("bundle.pem", bundle)
        let script = RolloverCLI.binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/swap-load.py").path
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, "--port", "\(server.port)", "--cafile", folder.path("bundle.pem"), "--token", server.token,
                                     "--password", "swap-pass", "--connections", "50"] + identities.flatMap { ["--pfx", $0] })
        let summary = try #require((try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any], "\(result.output)")
        print("swap load: \(result.output)")
        #expect(summary["failures"] as? Int == 0, "\(summary["errors"] ?? "")")
        #expect((summary["requests"] as? Int ?? 0) > 500)
        let swaps = summary["swaps"] as? [[String: Any]] ?? []
        #expect(swaps.count == 3)
        for swap in swaps {
            #expect((swap["visibleAfterMs"] as? Double ?? .infinity) < 1000, "the new certificate was not served within a second: \(swap)")
            #expect(swap["everyLaterHandshakeNew"] as? Bool == true)
        }
        #expect(server.process.isRunning)
    }

    @Test("each SNI host name gets its own certificate, clients without SNI get the default, and a reissue for a new address is served at once")
    func sniAndReissue() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let pfx = try makeIdentities(folder, count: 1, names: "DNS:mdm.example.test")[0]
        let content = try Data(contentsOf: URL(fileURLWithPath: pfx)).base64EncodedString()
        try folder.write("import.json", #"{"files":[{"name":"sni.pfx","content":"\#(content)"}],"password":"swap-pass","hostName":"mdm.example.test"}"#)
        let auth = ["-H", "Authorization: Bearer \(server.token)", "-H", "Content-Type: application/json"]
        let imported = try Client.run(["curl", "-sS", "--cacert", server.caFile] + auth + ["--data-binary", "@\(folder.path("import.json"))", "\(server.url)/api/v1/admin/certificates"])
        let id = try #require(imported.output.range(of: #""id":(\d+)"#, options: .regularExpression).map { String(imported.output[$0].dropFirst(5)) }, "\(imported.output)")
        _ = try Client.run(["curl", "-sS", "--cacert", server.caFile] + auth + ["-X", "POST", "\(server.url)/api/v1/admin/certificates/\(id)/activate"])

        func served(_ sni: [String]) throws -> String {
            try Client.run(["openssl", "s_client", "-connect", "127.0.0.1:\(server.port)"] + sni, input: "").output
        }
        #expect(try served(["-servername", "mdm.example.test"]).contains("CN = swap-0.example"))
        #expect(try served(["-servername", "localhost"]).contains("CN = localhost"))
        #expect(try served(["-noservername"]).contains("CN = localhost"))

        try folder.write("reissue.json", #"{"addresses":["localhost","127.0.0.1","new.example.test"],"activate":true}"#)
        let reissued = try Client.run(["curl", "-sS", "--cacert", server.caFile] + auth + ["--data-binary", "@\(folder.path("reissue.json"))", "\(server.url)/api/v1/admin/certificates/reissue"])
        #expect(reissued.output.contains(#""new.example.test""#) && reissued.output.contains(#""state":"active""#), "\(reissued.output)")
        let text = try Client.run(["sh", "-c", "echo | openssl s_client -connect 127.0.0.1:\(server.port) -servername localhost 2>/dev/null | openssl x509 -noout -ext subjectAltName"]).output
        #expect(text.contains("DNS:new.example.test"), "\(text)")
        #expect(try served(["-servername", "mdm.example.test"]).contains("CN = swap-0.example"), "the reissue replaced the default only")
        let health = try Client.run(["curl", "-sS", "--cacert", server.caFile, "\(server.url)/api/v1/health"])
        #expect(health.output.contains(#""activeCertificates":2"#), "\(health.output)")

        let anonymous = try Client.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", server.caFile, "\(server.url)/metrics"]).output
        #expect(anonymous == "401", "/metrics answered \(anonymous) without a token")
        let metrics = try Client.run(["curl", "-sS", "--cacert", server.caFile, "-H", "Authorization: Bearer \(server.token)", "\(server.url)/metrics"]).output
        #expect(metrics.contains(#"rollover_certificate_expiry_seconds{certificate_sha256=""#) && metrics.contains(#"host="mdm.example.test""#), "\(metrics)")
        #expect(metrics.contains("rollover_tls_handshakes_total{certificate_sha256="), "\(metrics)")
        #expect(metrics.contains(#"rollover_http_requests_total{method="GET",route="/api/v1/health",status="200"}"#), "\(metrics)")
        #expect(metrics.contains(#"route="/api/v1/admin/certificates/reissue",status="200""#), "\(metrics)")
    }

    @Test("the CLI manages a running server: tokens, certificates, settings, audit; a revoked token is refused; --json everywhere")
    func cliAgainstServer() throws {
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
        let created = try RolloverCLI.run(["tokens", "create", "ops"] + remote)
        #expect(created.status == 0 && created.output.hasPrefix("rollover_"))
        try folder.write("ops-token", created.output)
        let ops = ["--server", server.url, "--cacert", server.caFile, "--token-file", folder.path("ops-token")]
        let certs = try RolloverCLI.run(["certs", "--json"] + ops)
        #expect(certs.status == 0 && certs.output.contains(#""source" : "issued""#), "\(certs.output)")
        #expect(try RolloverCLI.run(["certs"] + ops).output.hasPrefix("ID  STATE"))
        #expect(try RolloverCLI.run(["settings", "sync-period-seconds", "900"] + ops).status == 0)
        #expect(try RolloverCLI.run(["settings", "https-mode", "sideways"] + ops).status == 1)
        let audit = try RolloverCLI.run(["audit", "--json", "--limit", "3"] + ops)
        #expect(audit.output.contains(#""actor" : "ops""#) && audit.output.contains("setting.change"), "\(audit.output)")
        #expect(try RolloverCLI.run(["tokens", "revoke", "ops"] + remote).status == 0)
        let refused = try RolloverCLI.run(["certs"] + ops)
        #expect(refused.status == 1 && refused.errors.contains("unauthorized"), "\(refused.errors)")
        guard OpenSSL.isAvailable else { return }
        try OpenSSL.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", folder.path("form.key"),
                         "-out", folder.path("form.pem"), "-days", "30", "-subj", "/CN=form.example", "-addext", "subjectAltName=DNS:form.example"])
        let form = try Client.run(["curl", "-sS", "--cacert", server.caFile, "-H", "Authorization: Bearer \(server.token)",
                                   "-F", "file=@\(folder.path("form.pem"))", "-F", "file=@\(folder.path("form.key"))", "-F", "address=form.example",
                                   "-F", "hostName=form.example", "\(server.url)/api/v1/admin/certificates"])
        #expect(form.output.contains(#""state":"staged""#) && form.output.contains(#""hostName":"form.example""#), "\(form.output)")

        let untrusted = try RolloverCLI.run(["certs", "--server", server.url, "--cacert", "/etc/ssl/certs/ca-certificates.crt", "--token-file", server.data + "/admin-token"])
        #expect(untrusted.status == 1 && untrusted.errors.contains("not trusted"), "\(untrusted.errors)")
    }

    @Test("serve settings: a flag beats the environment, which beats the config file")
    func settingsPrecedence() throws {
        let folder = try ScratchFolder()
        let (fromFile, fromEnvironment, fromFlag) = (try ServerProcess.freePort(), try ServerProcess.freePort(), try ServerProcess.freePort())
        try folder.write("rollover.json", #"{"listen": ["127.0.0.1:\#(fromFile)"], "addresses": ["localhost"]}"#)
        let environmentWins = try ServerProcess(folder: folder, port: fromEnvironment, listenFlag: false, extraArguments: ["--config", folder.path("rollover.json")],
                                                environment: ["ROLLOVER_LISTEN": "127.0.0.1:\(fromEnvironment)"])
        #expect(environmentWins.log.contains("https://127.0.0.1:\(fromEnvironment)"), "\(environmentWins.log)")
        environmentWins.stop()
        let flagWins = try ServerProcess(folder: folder, port: fromFlag, extraArguments: ["--config", folder.path("rollover.json")],
                                         environment: ["ROLLOVER_LISTEN": "127.0.0.1:\(fromEnvironment)"])
        #expect(flagWins.log.contains("https://127.0.0.1:\(fromFlag)") && !flagWins.log.contains(":\(fromEnvironment)"), "\(flagWins.log)")
        flagWins.stop()
        let fileOnly = try ServerProcess(folder: folder, port: fromFile, listenFlag: false, extraArguments: ["--config", folder.path("rollover.json")])
        #expect(try Client.run(["openssl", "x509", "-in", fileOnly.caFile, "-noout", "-text"]).output.contains("id-ecPublicKey"), "P-256 CA by default")
        #expect(fileOnly.log.contains("https://127.0.0.1:\(fromFile)"), "\(fileOnly.log)")
        fileOnly.stop()
    }

    @Test("an RSA-3072 CA on request, at first start")
    func rsaAuthorityOnRequest() throws {
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder, extraArguments: ["--ca-key-type", "rsa-3072"])
        defer { server.stop() }
        let text = try Client.run(["openssl", "x509", "-in", server.caFile, "-noout", "-text"]).output
        #expect(text.contains("Public-Key: (3072 bit)"), "\(text)")
        #expect(try Client.run(["curl", "-sS", "--cacert", server.caFile, "\(server.url)/api/v1/health"]).output.contains("ok"))
    }
}
