import Foundation
import RolloverCore
import X509

/// The pure core of a device's recovery: handover records fetched from an unverified server, applied to the trust
/// store the device holds, give the trust store it should hold now, or a refusal with the reason. Nothing in the
/// records is believed except through signatures: record N+1 counts only when a certificate that the state at N
/// trusts (an anchor, with the host name checked, or a pin) signed it, valid at the record's own time. The agent
/// and the fleet simulator run this same function.
public enum HandoverWalk {
    /// The most records one walk applies; a longer chain means something is wrong, not a long absence.
    public static let maximumRecords = 1024
    /// `handover-max-age` until the server has told the device its own.
    public static let defaultMaximumAge: TimeInterval = 2 * 365 * 86_400
    /// How far a record's time may lie ahead of the device's clock.
    static let clockSkew: TimeInterval = 300

    public enum Outcome: Sendable, Hashable {
        /// The records verified; `store` is the state at the last one (sequence `to`).
        case walked(store: TrustStore, from: Int, to: Int)
        case refused(String)
    }

    /// - Parameters:
    ///   - records: the server's answer, oldest first, starting right after the store's sequence.
    ///   - chainHost: the host whose chain the records are (the answer's `host`).
    ///   - host: the host name the device connects to; a signer that is not a pin must be valid for it or for one
    ///     of the addresses of the state that trusts it.
    public static func walk(_ records: [HandoverRecord], chainHost: String, host: String, from store: TrustStore, now: Date) async -> Outcome {
        guard !records.isEmpty else { return .refused("the server has no handover record for this device's trust state") }
        guard records.count <= maximumRecords else { return .refused("the server sent \(records.count) handover records; at most \(maximumRecords) are walked") }
        let start = store.handoverSequence ?? 0
        let maximumAge = store.handoverMaximumAgeSeconds.map(TimeInterval.init) ?? defaultMaximumAge
        var state = store
        var previousTime = Date.distantPast
        for (offset, record) in records.enumerated() {
            let expected = start + offset + 1
            let statement: HandoverStatement
            do { statement = try record.decoded() } catch {
                return .refused("handover record \(expected) cannot be read: \(error)")
            }
            guard statement.format == HandoverStatement.format else { return .refused("handover record \(expected) is in the unknown format \(statement.format)") }
            guard statement.host == chainHost else {
                return .refused("handover record \(statement.sequence) is for the host \"\(statement.host)\", not \"\(chainHost)\"")
            }
            guard statement.sequence == expected else {
                return .refused("the handover records do not follow each other: record \(statement.sequence) came where \(expected) was due")
            }
            guard statement.issuedAt >= previousTime else { return .refused("handover record \(expected) is dated before the record it follows") }
            guard statement.issuedAt <= now.addingTimeInterval(clockSkew) else {
                return .refused("handover record \(expected) is dated \(statement.issuedAt), in the future")
            }
            guard now.timeIntervalSince(statement.issuedAt) <= maximumAge else {
                return .refused("handover record \(expected) dates from \(statement.issuedAt), older than the \(Int(maximumAge / 86_400)) days (handover-max-age) "
                                + "a device may catch up on: this device must be enrolled again")
            }
            if let problem = await signatureProblem(record, statement: statement, state: state, host: host) {
                return .refused("handover record \(expected): \(problem)")
            }
            if let problem = (statement.anchors + statement.pins).lazy.compactMap({ TrustUpdate.problem(pem: $0.pem, fingerprint: $0.fingerprint, now: statement.issuedAt) }).first {
                return .refused("handover record \(expected) carries a certificate that cannot be trusted: \(problem)")
            }
            guard !(statement.anchors.isEmpty && statement.pins.isEmpty) else { return .refused("handover record \(expected) trusts nothing") }
            guard statement.anchors.allSatisfy({ $0.role == .anchor }), statement.pins.allSatisfy({ $0.role == .pin }) else {
                return .refused("handover record \(expected) mixes up anchors and pins")
            }
            state = TrustStore(anchors: statement.anchors, pins: statement.pins, reserve: nil,
                               addresses: statement.addresses.isEmpty ? state.addresses : statement.addresses,
                               handoverSequence: statement.sequence, handoverMaximumAgeSeconds: store.handoverMaximumAgeSeconds)
            previousTime = statement.issuedAt
        }
        return .walked(store: state, from: start, to: state.handoverSequence ?? start)
    }

    /// Why no signature of `record` is one the state before it trusts, or nil when one is.
    static func signatureProblem(_ record: HandoverRecord, statement: HandoverStatement, state: TrustStore, host: String) async -> String? {
        guard let bytes = record.statementBytes else { return "its statement is not base64" }
        let signed = HandoverRecord.signedBytes(bytes)
        var problems: [String] = []
        for signature in record.signatures.prefix(8) {
            guard let chain = try? signature.chain.prefix(8).map({ try Certificate(pemEncoded: $0) }), let signer = chain.first else {
                problems.append("a signer's certificates cannot be read")
                continue
            }
            guard CertificateFingerprint.sha256(signer) == signature.signer.lowercased() else {
                problems.append("a signature names \(signature.signer.prefix(16)) but carries another certificate")
                continue
            }
            if let why = await trustProblem(chain, state: state, host: host, at: statement.issuedAt) {
                problems.append("its signer \(signer.subject) is not trusted by the state before it (\(why))")
                continue
            }
            guard let algorithm = HandoverSignature.Algorithm(rawValue: signature.algorithm)?.certificateAlgorithm,
                let value = Data(base64Encoded: signature.value),
                signer.publicKey.isValidSignature(value, for: signed, signatureAlgorithm: algorithm)
            else {
                problems.append("the signature of \(signer.subject) does not verify")
                continue
            }
            return nil
        }
        return problems.isEmpty ? "it carries no signature" : problems.joined(separator: "; ")
    }

    /// Why `chain` (signer first) is not trusted by `state` at `time`, or nil when it is: the signer is a pin or an
    /// anchor itself (inside its validity), or the chain validates to an anchor for the host or one of the state's
    /// addresses.
    static func trustProblem(_ chain: [Certificate], state: TrustStore, host: String, at time: Date) async -> String? {
        guard let signer = chain.first else { return "no certificate" }
        let fingerprint = CertificateFingerprint.sha256(signer)
        if state.anchors.contains(where: { $0.fingerprint == fingerprint }) {
            // An anchor vouches for any name it issues for; its own validity is all that is left to check.
            return time < signer.notValidBefore || time > signer.notValidAfter ? "the anchor is not valid at the record's time" : nil
        }
        var reasons: [String] = []
        var seen = Set<String>()
        for name in ([host] + state.addresses) where seen.insert(name.lowercased()).inserted {
            switch await ServerTrustEvaluation.evaluate(chain: chain, host: name, store: state, now: time) {
            case .trusted: return nil
            case .refused(let reason): reasons.append(reason)
            }
        }
        return reasons.first ?? "no host name to check"
    }
}

/// The swift-certificates algorithm a handover signature's name stands for.
extension HandoverSignature.Algorithm {
    public var certificateAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .ecdsaSHA256: .ecdsaWithSHA256
        case .ecdsaSHA384: .ecdsaWithSHA384
        case .ecdsaSHA512: .ecdsaWithSHA512
        case .rsaSHA256: .sha256WithRSAEncryption
        case .ed25519: .ed25519
        }
    }
}
