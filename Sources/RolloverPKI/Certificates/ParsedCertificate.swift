import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate as read from a file, with the fields the checks need.
///
/// The fields come from our own walk of the TBSCertificate because swift-certificates refuses certificates it
/// cannot verify (RSA keys under 2048 bits, unknown key types), and those must be reported as `weak-key` or
/// `unsupported-format`, not as unreadable. Where swift-certificates does accept the certificate, `x509` holds it
/// for chain verification.
public struct ParsedCertificate: Sendable, Hashable {
    public let der: [UInt8]
    public let subject: DistinguishedName
    public let issuer: DistinguishedName
    public let notBefore: Date
    public let notAfter: Date
    public let signatureAlgorithm: ASN1ObjectIdentifier
    public let extensions: Certificate.Extensions
    /// The key, or why Rollover cannot use it.
    let publicKey: Result<PublicKeyIdentity, ReadFailure>
    /// swift-certificates' view of the same bytes, when it accepts them.
    public let x509: Certificate?

    public var sha256Fingerprint: String { Self.sha256Fingerprint(of: der) }

    /// SHA-256 of DER as lowercase hex: how the store, the API and the sync protocol name a certificate.
    public static func sha256Fingerprint(of der: [UInt8]) -> String { SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined() }
    public var keyAlgorithm: PublicKeyAlgorithm? { try? publicKey.get().algorithm }
    public var isSelfIssued: Bool { subject == issuer }
    /// Self-issued and verified by its own key: a root. A self-issued intermediate (a re-keyed CA) is not one.
    /// A key swift-certificates cannot load (RSA under 2048 bits) leaves only the names to go by.
    public var isSelfSigned: Bool { isSelfIssued && (x509 == nil || isSigned(by: self)) }
    public var isCA: Bool {
        if case .isCertificateAuthority = (try? extensions.basicConstraints) ?? .notCertificateAuthority { return true }
        return false
    }

    /// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    init(der: [UInt8]) throws(ReadFailure) {
        let root = try ASN1Parsing.parse(der, what: "the certificate")
        let outer = try root.sequence("the certificate")
        guard outer.count == 3 else { throw .malformed("the certificate has \(outer.count) parts instead of 3") }
        let tbs = try outer[0].sequence("the certificate body")
        var index = 0
        if tbs.first?.isContextTag(0) == true {  // version [0] EXPLICIT: v1 (0), v2 (1) or v3 (2)
            let version = try tbs[0].elements("the version").first?.smallInteger("the version") ?? -1
            guard (0...2).contains(version) else { throw .malformed("the certificate has X.509 version number \(version), which does not exist") }
            index += 1
        }
        guard tbs.count >= index + 6 else { throw .malformed("the certificate body is missing fields") }
        _ = try tbs[index].unsignedIntegerAllowingNegative("the serial number")
        do {
            issuer = try DistinguishedName(derEncoded: tbs[index + 2])
            subject = try DistinguishedName(derEncoded: tbs[index + 4])
        } catch {
            throw .malformed("the certificate's issuer or subject name is invalid")
        }
        let validity = try tbs[index + 3].sequence("the validity period")
        guard validity.count == 2 else { throw .malformed("the validity period does not have two dates") }
        notBefore = try Self.date(validity[0], "the start of the validity period")
        notAfter = try Self.date(validity[1], "the end of the validity period")
        do { publicKey = .success(try SubjectPublicKeyInfoReader.read(tbs[index + 5])) } catch {
            publicKey = .failure(error)
        }

        var extensionList: [Certificate.Extension] = []
        if let extensionsNode = tbs.dropFirst(index + 6).first(where: { $0.isContextTag(3) }) {
            guard let sequence = try extensionsNode.elements("the extensions").first else { throw .malformed("the extensions are empty") }
            for node in try sequence.sequence("the extensions") {
                do { extensionList.append(try Certificate.Extension(derEncoded: node)) } catch {
                    throw .malformed("a certificate extension is not valid DER")
                }
            }
        }
        do { extensions = try Certificate.Extensions(extensionList) } catch {
            throw .malformed("the certificate repeats an extension")
        }
        guard let algorithmNode = try outer[1].sequence("the signature algorithm").first else {
            throw .malformed("the signature algorithm is empty")
        }
        signatureAlgorithm = try algorithmNode.objectIdentifier("the signature algorithm")
        self.der = der
        x509 = try? Certificate(derEncoded: der)
    }

    private static func date(_ node: ASN1Node, _ what: String) throws(ReadFailure) -> Date {
        do {
            switch node.identifier {
            case .utcTime:
                let time = try UTCTime(derEncoded: node)
                return try civilDate(time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
            case .generalizedTime:
                let time = try GeneralizedTime(derEncoded: node)
                return try civilDate(time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
            default:
                throw ReadFailure.malformed("\(what) is not a date")
            }
        } catch let failure as ReadFailure {
            throw failure
        } catch {
            throw .malformed("\(what) is not a valid date")
        }
    }

    /// UTC calendar arithmetic without Calendar, which is slow and locale-dependent.
    private static func civilDate(_ y: Int, _ m: Int, _ d: Int, _ hh: Int, _ mm: Int, _ ss: Int) throws -> Date {
        let year = m <= 2 ? y - 1 : y
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hh * 3600 + mm * 60 + ss))
    }

    public static func == (lhs: ParsedCertificate, rhs: ParsedCertificate) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }
}

extension ParsedCertificate {
    /// Whether `issuer`'s key verifies this certificate's signature; false when either is unreadable to swift-certificates.
    func isSigned(by issuer: ParsedCertificate) -> Bool {
        guard let certificate = x509, let issuerCertificate = issuer.x509 else { return false }
        return issuerCertificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }
}

extension ParsedCertificate {
    /// Reads a swift-certificates certificate through the same path as a file.
    public static func from(_ certificate: Certificate) throws -> ParsedCertificate {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        do { return try ParsedCertificate(der: serializer.serializedBytes) } catch { throw AuthorityError(error.message) }
    }
}

extension ParsedCertificate {
    /// The certificate as PEM text.
    public var pem: String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----"
    }
}

extension ParsedCertificate {
    /// Reads DER the store kept; nil only if the bytes are damaged.
    public static func parse(der: [UInt8]) -> ParsedCertificate? { try? ParsedCertificate(der: der) }

    /// DNS names and IPs as text, other names with a prefix.
    public var subjectAlternativeNameTexts: [String] { SubjectAlternativeNameText.names(of: self) }
}
