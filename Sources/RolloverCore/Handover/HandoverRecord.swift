import Foundation

/// What a handover record says: from `issuedAt` on, a device that trusts the server through the state before
/// `sequence` must trust it through these anchors, pins and addresses instead. Signed as the exact bytes of its
/// JSON (see `HandoverRecord`), so nothing depends on how another JSON encoder would order or space it.
public struct HandoverStatement: Sendable, Codable, Hashable {
    /// Names the format inside the signed bytes, so a signature over a statement can never be read as anything else.
    public static let format = "rollover-handover/v1"

    public var format: String
    /// The host name whose served certificate changed; "" for the default certificate.
    public var host: String
    /// 1 for a host's first record, then each record the one before plus one.
    public var sequence: Int
    public var issuedAt: Date
    public var anchors: [TrustItem]
    public var pins: [TrustItem]
    /// The connection addresses devices use from this record on.
    public var addresses: [String]

    public init(host: String, sequence: Int, issuedAt: Date, anchors: [TrustItem], pins: [TrustItem], addresses: [String]) {
        format = Self.format
        self.host = host
        self.sequence = sequence
        self.issuedAt = issuedAt
        self.anchors = anchors
        self.pins = pins
        self.addresses = addresses
    }
}

/// One signature over a statement: by the private key of the certificate served before the change (whose chain
/// is carried, so a device holding only the root can verify it), or by our own CA's key.
public struct HandoverSignature: Sendable, Codable, Hashable {
    /// SHA-256 (hex) of the signing certificate, the first of `chain`.
    public var signer: String
    /// PEM certificates: the signer first, then the intermediates that lead it to a device's anchor.
    public var chain: [String]
    /// One of `HandoverSignature.Algorithm`.
    public var algorithm: String
    /// Base64 of the signature bytes.
    public var value: String

    public enum Algorithm: String, Sendable, CaseIterable {
        case ecdsaSHA256 = "ecdsa-sha256", ecdsaSHA384 = "ecdsa-sha384", ecdsaSHA512 = "ecdsa-sha512"
        case rsaSHA256 = "rsa-pkcs1-sha256", ed25519
    }

    public init(signer: String, chain: [String], algorithm: String, value: String) {
        self.signer = signer
        self.chain = chain
        self.algorithm = algorithm
        self.value = value
    }
}

/// A signed handover record as the server keeps it and devices fetch it: the statement's bytes and their signatures.
public struct HandoverRecord: Sendable, Codable, Hashable {
    /// Base64 of the statement's JSON bytes, exactly as signed.
    public var statement: String
    public var signatures: [HandoverSignature]

    public init(statement: String, signatures: [HandoverSignature]) {
        self.statement = statement
        self.signatures = signatures
    }

    /// The statement's bytes, to sign or verify; nil when `statement` is not base64.
    public var statementBytes: [UInt8]? { Data(base64Encoded: statement).map { Array($0) } }

    /// What a signature covers: the format name and a newline before the statement (domain separation: a TLS or
    /// certificate signature made with the same key can never pass for one over a record).
    public static func signedBytes(_ statement: [UInt8]) -> [UInt8] {
        Array((HandoverStatement.format + "\n").utf8) + statement
    }

    /// The statement, decoded; throws when the bytes are not one.
    public func decoded() throws -> HandoverStatement {
        guard let bytes = statementBytes else { throw HandoverRecordError("the record's statement is not base64") }
        return try DeviceProtocol.decoder().decode(HandoverStatement.self, from: Data(bytes))
    }
}

/// `GET /api/v1/handover?host=H&after=N`: the records of one host after sequence N, oldest first.
public struct HandoverAnswer: Sendable, Codable, Hashable {
    public var host: String
    /// The host's newest sequence number (0: none yet).
    public var latest: Int
    public var records: [HandoverRecord]

    public init(host: String, latest: Int, records: [HandoverRecord]) {
        self.host = host
        self.latest = latest
        self.records = records
    }
}

public struct HandoverRecordError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
