import Crypto
import SwiftASN1

/// What a PKCS#12 file held: certificates as DER, private keys, and the bags that could not be read.
struct PKCS12Contents: Sendable {
    var certificates: [[UInt8]] = []
    var keys: [PrivateKeyMaterial] = []
    var problems: [ReadFailure] = []
}

/// Reads PKCS#12 (RFC 7292) as Windows, macOS, Firefox/NSS, Java and OpenSSL 1.x/3.x write it: password
/// integrity with the classic HMAC or PBMAC1 (RFC 9579), or no MAC at all; bags in the clear or encrypted
/// with PBES1 (3DES, RC2, RC4) or PBES2 (AES, 3DES); nested SafeContents.
/// NIOSSL's `NIOSSLPKCS12Bundle` stops the process on files without a key or a certificate and cannot say
/// which password form worked, so the walk is ours; the ciphers and digests underneath come from swift-crypto.
enum PKCS12Reader {
    /// Windows nests SafeContents at most twice; deeper nesting only comes from hostile files.
    static let maximumNesting = 8

    /// PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
    static func isPKCS12(_ node: ASN1Node) -> Bool {
        guard let fields = try? node.sequence(""), fields.count == 2 || fields.count == 3,
            fields[0].identifier == .integer,
            let contentInfo = try? fields[1].sequence(""), let type = contentInfo.first,
            let oid = try? ASN1ObjectIdentifier(derEncoded: type)
        else { return false }
        // A PKCS#8 key has the same outline; the PKCS#7 content type (1.2.840.113549.1.7.x) tells them apart.
        return oid == OID.pkcs7Data || oid == OID.pkcs7SignedData
    }

    /// Bags seen so far in one file, against `ReadingLimits.maximumPKCS12BagsPerFile`.
    private struct BagCount {
        var seen = 0
    }

    static func read(_ node: ASN1Node, password: Password?, session: ReadingSession) throws(ReadFailure) -> PKCS12Contents {
        let fields = try node.sequence("the PKCS#12 file")
        let version = try fields[0].smallInteger("the PKCS#12 version")
        guard version == 3 else { throw .malformed("the PKCS#12 version is \(version); only version 3 exists") }
        let authSafe = try dataContent(of: fields[1], what: "the PKCS#12 content")

        var candidates = PasswordCandidates.forGiven(password)
        if fields.count == 3 {
            var verified: Password??
            for candidate in candidates where try MACVerification.verify(fields[2], content: authSafe, password: candidate, session: session) {
                verified = candidate
                break
            }
            guard let verified else {
                throw password == nil
                    ? .wrongPassword("the PKCS#12 file is protected by a password and none was given: pass it with --password-file, --password-env or --password-stdin")
                    : .wrongPassword("the password is wrong: the PKCS#12 integrity check does not match it")
            }
            candidates = [verified]
        }

        var contents = PKCS12Contents()
        let safes = try ASN1Parsing.parse(authSafe, what: "the PKCS#12 content").sequence("the PKCS#12 content")
        let limit = session.limits.maximumPKCS12SafesPerFile
        guard safes.count <= limit else {
            throw .malformed("the PKCS#12 file holds \(safes.count) safes; Rollover reads at most \(limit) (Windows and OpenSSL write 2)")
        }
        var bags = BagCount()
        for safe in safes {
            try session.checkpoint()
            let safeContents = try openSafe(safe, candidates: candidates, macVerified: fields.count == 3, session: session)
            try readBags(safeContents, into: &contents, candidates: candidates, depth: 0, count: &bags, session: session)
        }
        return contents
    }

    /// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY } for the `data` type.
    private static func dataContent(of node: ASN1Node, what: String) throws(ReadFailure) -> [UInt8] {
        let fields = try node.sequence(what)
        guard fields.count == 2 else { throw .malformed("\(what) has no content") }
        let type = try fields[0].objectIdentifier("\(what) type")
        guard type == OID.pkcs7Data else {
            if type == OID.pkcs7SignedData {
                throw .unsupported("the PKCS#12 file uses public-key integrity (signed data); export it with a password instead")
            }
            throw .malformed("\(what) has the unexpected type \(type)")
        }
        guard fields[1].isContextTag(0), let inner = try fields[1].elements(what).first else {
            throw .malformed("\(what) has no [0] content")
        }
        return try inner.octets(what)
    }

    /// Opens one ContentInfo of the AuthenticatedSafe: plain data or password-encrypted data.
    private static func openSafe(
        _ safe: ASN1Node, candidates: [Password?], macVerified: Bool, session: ReadingSession
    ) throws(ReadFailure) -> [UInt8] {
        let fields = try safe.sequence("a PKCS#12 safe")
        guard let typeNode = fields.first else { throw .malformed("a PKCS#12 safe is empty") }
        switch try typeNode.objectIdentifier("a PKCS#12 safe type") {
        case OID.pkcs7Data:
            return try dataContent(of: safe, what: "a PKCS#12 safe")
        case OID.pkcs7EncryptedData:
            // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo ::= SEQUENCE { type, algorithm, [0] IMPLICIT OCTET STRING } }
            guard fields.count == 2, let encryptedData = try fields[1].elements("the encrypted safe").first else {
                throw .malformed("an encrypted PKCS#12 safe has no content")
            }
            let dataFields = try encryptedData.sequence("the encrypted safe")
            guard dataFields.count >= 2 else { throw .malformed("the encrypted safe is incomplete") }
            let info = try dataFields[1].sequence("the encrypted safe content")
            guard info.count == 3 else { throw .malformed("the encrypted safe has no encrypted content") }
            let ciphertext = try info[2].octets("the encrypted safe content", tag: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
            return try decrypt(ciphertext, algorithm: info[1], candidates: candidates, macVerified: macVerified, session: session)
        case OID.pkcs7EnvelopedData:
            throw .unsupported("the PKCS#12 file encrypts its content to a recipient's certificate (enveloped data); export it with a password instead")
        case let other:
            throw .unsupported("the PKCS#12 file holds content of type \(other), which Rollover does not read")
        }
    }

    private static func decrypt(
        _ ciphertext: [UInt8], algorithm: ASN1Node, candidates: [Password?], macVerified: Bool, session: ReadingSession
    ) throws(ReadFailure) -> [UInt8] {
        var lastFailure = ReadFailure.wrongPassword("the password does not decrypt the PKCS#12 content")
        for candidate in candidates {
            do {
                return try PasswordBasedDecryption.decrypt(ciphertext, algorithm: algorithm, password: candidate, session: session)
            } catch where error.code == .wrongPassword {
                lastFailure = error
            }
        }
        // With the MAC verified the password is right, so a failed decryption means damage, not a wrong password.
        throw macVerified ? .malformed("the PKCS#12 content is damaged: it does not decrypt with the verified password") : lastFailure
    }

    /// SafeContents ::= SEQUENCE OF SafeBag; SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT, attributes SET OPTIONAL }
    private static func readBags(
        _ der: [UInt8], into contents: inout PKCS12Contents, candidates: [Password?], depth: Int, count: inout BagCount,
        session: ReadingSession
    ) throws(ReadFailure) {
        guard depth <= maximumNesting else { throw .malformed("the PKCS#12 bags are nested more than \(maximumNesting) deep") }
        let bags = try ASN1Parsing.parse(der, what: "the PKCS#12 bags").sequence("the PKCS#12 bags")
        for bag in bags {
            // A cancellation point per bag: each may hold an encrypted key that costs a derivation.
            try session.checkpoint()
            count.seen += 1
            guard count.seen <= session.limits.maximumPKCS12BagsPerFile else {
                throw .malformed("the PKCS#12 file holds more than \(ReadingSession.grouped(session.limits.maximumPKCS12BagsPerFile)) bags, the most Rollover reads from one file")
            }
            let fields = try bag.sequence("a PKCS#12 bag")
            guard fields.count >= 2, fields[1].isContextTag(0), let value = try fields[1].elements("a PKCS#12 bag value").first else {
                throw .malformed("a PKCS#12 bag has no value")
            }
            switch try fields[0].objectIdentifier("a PKCS#12 bag type") {
            case OID.certBag:
                let certBag = try value.sequence("a certificate bag")
                guard certBag.count == 2, try certBag[0].objectIdentifier("a certificate bag type") == OID.x509CertificateInBag else {
                    contents.problems.append(.unsupported("the PKCS#12 file holds a certificate that is not X.509; it was skipped"))
                    continue
                }
                guard let certificate = try certBag[1].elements("a certificate bag value").first else {
                    throw .malformed("a certificate bag is empty")
                }
                contents.certificates.append(try certificate.octets("a certificate bag value"))
            case OID.keyBag:
                record({ () throws(ReadFailure) in try PrivateKeyReader.pkcs8(value) }, in: &contents)
            case OID.pkcs8ShroudedKeyBag:
                record({ () throws(ReadFailure) in try shroudedKey(value, candidates: candidates, session: session) }, in: &contents)
            case OID.safeContentsBag:
                try readBags(
                    Array(value.encodedBytes), into: &contents, candidates: candidates, depth: depth + 1, count: &count, session: session)
            default:
                continue  // CRL, secret and other bags carry nothing a TLS server needs.
            }
        }
    }

    private static func shroudedKey(_ value: ASN1Node, candidates: [Password?], session: ReadingSession) throws(ReadFailure) -> PrivateKeyMaterial {
        var lastFailure = EncryptedPrivateKeyReader.missingPassword
        for candidate in candidates {
            do {
                return try EncryptedPrivateKeyReader.pkcs8(value, password: candidate, session: session)
            } catch where error.code == .wrongPassword {
                lastFailure = error
            }
        }
        throw lastFailure
    }

    /// A key Rollover refuses (DSA, say) is reported without hiding the certificates beside it.
    private static func record(_ read: () throws(ReadFailure) -> PrivateKeyMaterial, in contents: inout PKCS12Contents) {
        do { contents.keys.append(try read()) } catch { contents.problems.append(error) }
    }
}
