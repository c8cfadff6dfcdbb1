import Foundation
import RolloverTestSupport
import Testing

/// Uploads are read and inspected on a thread of their own, so costly ones cannot starve the device API.
@Suite("Hostile uploads", .serialized)
struct HostileUploadTests {
    struct Secret: Decodable { var secret: String }
    struct Enrolled: Decodable {
        var deviceID: Int64
        var deviceToken: String
    }

    @Test("two uploads of keys costly to decrypt are inspected while a device enrolls and syncs without waiting for them")
    func deviceSyncCompletesDuringHostileUploads() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        // A key encrypted with the most PBKDF2 rounds the reader takes: about a second of work each time it is read.
        try OpenSSL.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", folder.path("plain.key")])
        try OpenSSL.run(["pkcs8", "-topk8", "-in", folder.path("plain.key"), "-v2", "aes-256-cbc", "-iter", "1900000",
                         "-passout", "pass:slow", "-out", folder.path("slow.key")])
        let key = try Data(contentsOf: URL(fileURLWithPath: folder.path("slow.key"))).base64EncodedString()
        try folder.write("upload.json", #"{"files":[{"name":"slow.key","content":"\#(key)"}],"password":"slow"}"#)

        let curl = ["curl", "-sS", "--max-time", "120", "--cacert", server.caFile]
        let admin = curl + ["-H", "Authorization: Bearer \(server.token)", "-H", "Content-Type: application/json"]
        let secret = try JSONDecoder().decode(Secret.self, from: Data(try Client.run(
            admin + ["-d", #"{"name":"hostile-upload-test"}"#, "\(server.url)/api/v1/admin/enrollment-secrets"]).output.utf8)).secret

        let uploads = try (0..<2).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = admin + ["-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--data-binary", "@" + folder.path("upload.json"),
                                         "\(server.url)/api/v1/admin/certificates/inspect"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            return (process, output)
        }
        usleep(200_000)
        let started = Date()
        let enrolled = try JSONDecoder().decode(Enrolled.self, from: Data(try Client.run(curl + [
            "-H", "Content-Type: application/json", "-d", #"{"secret":"\#(secret)","name":"busy-day","platform":"linux","agentVersion":"test"}"#,
            "\(server.url)/api/v1/enroll",
        ]).output.utf8))
        let sync = try Client.run(curl + [
            "-H", "Authorization: Bearer \(enrolled.deviceToken)", "-H", "Content-Type: application/json", "-o", "/dev/null", "-w", "%{http_code}",
            "-d", #"{"protocolVersion":1,"deviceID":\#(enrolled.deviceID),"agentVersion":"test","platform":"linux","held":[],"results":[]}"#,
            "\(server.url)/api/v1/sync",
        ])
        let deviceSeconds = Date().timeIntervalSince(started)
        var uploadAnswers: [String] = []
        for (process, output) in uploads {
            process.waitUntilExit()
            uploadAnswers.append(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        print("hostile uploads: enroll + sync took \(String(format: "%.2f", deviceSeconds)) s; the uploads answered (status, seconds): \(uploadAnswers)")
        #expect(sync.output == "200", "\(sync.output)")
        #expect(deviceSeconds < 10, "the device waited \(deviceSeconds) s behind the uploads")
        #expect(uploadAnswers.allSatisfy { $0.hasPrefix("200") || $0.hasPrefix("503") }, "\(uploadAnswers)")
    }
}
