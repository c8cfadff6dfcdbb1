import Foundation
import RolloverCore

/// What a device needs for its first connection: the enrollment secret and the anchors to verify the server
/// with before it has a trust store (`rollover enroll-secrets create --output` writes it). A file holding only
/// the secret is accepted too; the anchors must then come from `--ca-file`.
public struct EnrollmentFile: Sendable, Codable, Hashable {
    public var secret: String
    public var server: String?
    public var anchors: [TrustItem]
    /// The pinned certificates of the trust state it was made at (absent in older files).
    public var pins: [TrustItem]?
    /// The default host's handover record when the file was made: a device enrolling after later switches walks
    /// the records after it (absent in files from before handovers).
    public var handoverSequence: Int?

    public init(secret: String, server: String?, anchors: [TrustItem], pins: [TrustItem]? = nil, handoverSequence: Int? = nil) {
        self.secret = secret
        self.server = server
        self.anchors = anchors
        self.pins = pins
        self.handoverSequence = handoverSequence
    }

    public static func read(_ path: String) throws -> EnrollmentFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw AgentError("cannot read the enrollment secret file \(path)") }
        if let file = try? DeviceProtocol.decoder().decode(EnrollmentFile.self, from: data) { return file }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty, !secret.contains("\n") else { throw AgentError("\(path) holds neither an enrollment file nor a secret") }
        return EnrollmentFile(secret: secret, server: nil, anchors: [])
    }

    public func encoded() throws -> Data {
        let encoder = DeviceProtocol.encoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }
}
