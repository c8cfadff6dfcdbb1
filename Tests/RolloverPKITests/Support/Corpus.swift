import Foundation
import Testing

/// The shared corpus of real certificate, key and PKCS#12 files (`../shared/corpus`), never copied into the
/// project. Missing: a failure under `CI=true`, a plain "skipped" line elsewhere.
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")

    /// The corpus folder, or nil after recording why (an issue in CI, a printed skip elsewhere).
    static func available(_ test: String = #function) -> URL? {
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("MANIFEST.json").path) { return root }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("the corpus is missing at \(root.path); CI must run with ../shared beside the project")
        } else {
            print("skipped: \(test) needs the corpus at \(root.path), which is not there")
        }
        return nil
    }

    static func entries() throws -> [ManifestEntry] {
        guard let root = available() else { return [] }
        return try JSONDecoder().decode([ManifestEntry].self, from: Data(contentsOf: root.appendingPathComponent("MANIFEST.json")))
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(file)))
    }
}

/// One line of `MANIFEST.json`, the fields the tests use.
struct ManifestEntry: Decodable, Sendable, CustomTestStringConvertible {
    struct Expected: Decodable, Sendable {
        var parses: Bool?
        var certs: Int?
        var has_key: Bool?
        var key_kind: String?
        var key_type: String?
        var key_bits: Int?
        var encryption: String?
        var rejects_wrong_password: Bool?
    }

    var file: String
    var kind: String
    var password: String?
    var expected: Expected?

    var testDescription: String { file }
}
