import Foundation
import SwiftASN1

/// One file of an input, as the caller received it.
public struct InputFile: Sendable {
    public var name: String
    public var bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// Reads one file by its content, never by its name: PEM text (any mix of certificates and keys), a DER
/// certificate, a DER private or public key, or PKCS#12. Never throws: whatever goes wrong becomes a problem
/// with a code, and the rest of the file still counts.
///
/// Reading is bounded (`ReadingLimits`: blocks, bags and certificates per file or input, and one key-derivation
/// budget for the whole input) and can be stopped between blocks, bags and derivations. A server that reads
/// uploads on its own executor with a deadline calls `read(_:password:limits:deadline:)` with every file of
/// the upload, so that the files share one budget; cancelling the task that reads stops it as well.
public enum FileReader {
    /// One file on its own, with the standard limits; stops early when the calling task is cancelled.
    public static func read(_ bytes: [UInt8], name: String, password: Password?) -> FileContents {
        read([InputFile(name: name, bytes: bytes)], password: password)[0]
    }

    /// Every file of one input (an inspection or an import), drawing from one decryption budget and one
    /// certificate count. `shouldStop` is asked between blocks and bags, before each key derivation and every
    /// 65,536 rounds of the derivation loops Rollover runs itself (swift-crypto's PBKDF2 and scrypt run to the
    /// end once started, bounded by the budget). Once it says stop, the file being read gets a problem saying so,
    /// as does every later file, and `stopped` is set on them.
    public static func read(
        _ files: [InputFile], password: Password?, limits: ReadingLimits = .standard,
        shouldStop: @escaping @Sendable () -> Bool = { Task.isCancelled }
    ) -> [FileContents] {
        let session = ReadingSession(limits: limits, shouldStop: shouldStop)
        return files.map { file in
            var contents: FileContents
            if session.stopped {
                contents = FileContents(name: file.name, format: "unknown")
                contents.add(ReadingSession.stopFailure)
            } else {
                contents = read(file.bytes, name: file.name, password: password, session: session)
            }
            contents.stopped = session.stopped
            return contents
        }
    }

    /// The same, stopping at `deadline` (or when the calling task is cancelled, whichever comes first).
    public static func read(
        _ files: [InputFile], password: Password?, limits: ReadingLimits = .standard, deadline: ContinuousClock.Instant
    ) -> [FileContents] {
        read(files, password: password, limits: limits, shouldStop: { Task.isCancelled || ContinuousClock.now >= deadline })
    }

    static func read(_ bytes: [UInt8], name: String, password: Password?, session: ReadingSession) -> FileContents {
        if PEMScanner.looksLikePEM(bytes) {
            var contents = FileContents(name: name, format: "PEM")
            let (blocks, truncated) = PEMScanner.blocks(in: bytes, limit: session.limits.maximumPEMBlocksPerFile)
            for block in blocks {
                do throws(ReadFailure) { try session.checkpoint() } catch {
                    contents.add(error)
                    return contents
                }
                switch block {
                case .success(let block): readPEMBlock(block, password: password, session: session, into: &contents)
                case .failure(let failure): contents.add(failure)
                }
            }
            if truncated {
                contents.add(.malformed("the file holds more than \(ReadingSession.grouped(session.limits.maximumPEMBlocksPerFile)) PEM blocks, the most Rollover reads from one file; the rest were not read"))
            }
            noteIfEmpty(&contents)
            return contents
        }
        guard bytes.first == 0x30 else {
            var contents = FileContents(name: name, format: "unknown")
            contents.add(.malformed("this is neither PEM text nor DER: expected a certificate, a private key or a PKCS#12 file"))
            return contents
        }
        return readDER(bytes, name: name, password: password, session: session)
    }

    private static func readPEMBlock(_ block: PEMBlock, password: Password?, session: ReadingSession, into contents: inout FileContents) {
        let encrypted = block.headers["Proc-Type"]?.contains("ENCRYPTED") == true
        do throws(ReadFailure) {
            switch block.label {
            case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
                try session.countCertificate()
                contents.certificates.append(try ParsedCertificate(der: block.der))
            case "PRIVATE KEY":
                contents.privateKeys.append(try PrivateKeyReader.read(block.der, as: .pkcs8))
            case "RSA PRIVATE KEY", "EC PRIVATE KEY":
                let encoding: PrivateKeyReader.Encoding = block.label == "RSA PRIVATE KEY" ? .pkcs1 : .sec1
                if encrypted {
                    guard let password else { throw EncryptedPrivateKeyReader.missingPassword }
                    contents.privateKeys.append(try EncryptedPrivateKeyReader.traditional(block, encoding: encoding, password: password, session: session))
                } else {
                    contents.privateKeys.append(try PrivateKeyReader.read(block.der, as: encoding))
                }
            case "ENCRYPTED PRIVATE KEY":
                guard let password else { throw EncryptedPrivateKeyReader.missingPassword }
                let node = try ASN1Parsing.parse(block.der, what: "the encrypted private key")
                contents.privateKeys.append(try EncryptedPrivateKeyReader.pkcs8(node, password: password, session: session))
            case "PUBLIC KEY":
                let node = try ASN1Parsing.parse(block.der, what: "the public key")
                contents.publicKeys.append(try SubjectPublicKeyInfoReader.read(node).algorithm)
            case "RSA PUBLIC KEY":
                let node = try ASN1Parsing.parse(block.der, what: "the public key")
                contents.publicKeys.append(try SubjectPublicKeyInfoReader.rsaPublicKey(node).algorithm)
            case "EC PARAMETERS":
                break  // OpenSSL writes the curve before an EC key; the key names it again.
            default:
                throw ReadFailure.unsupported(refusal(forLabel: block.label))
            }
        } catch {
            contents.add(error)
        }
    }

    private static func refusal(forLabel label: String) -> String {
        switch label {
        case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
            "this is a certificate signing request, not a certificate: have it signed by the CA first and import the result"
        case "X509 CRL":
            "this is a certificate revocation list, not a certificate"
        case "PKCS7", "CMS":
            "this is a PKCS#7 bundle: export the certificates as PEM or the certificate with its key as PKCS#12"
        case "DSA PRIVATE KEY", "DSA PARAMETERS":
            "this is a DSA key; TLS clients no longer accept DSA: use RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519"
        case "OPENSSH PRIVATE KEY":
            "this is an OpenSSH key, not a TLS key: convert it with ssh-keygen -p -m PKCS8"
        default:
            "the PEM block \"\(label)\" is not a certificate or private key Rollover reads"
        }
    }

    private static func readDER(_ bytes: [UInt8], name: String, password: Password?, session: ReadingSession) -> FileContents {
        let node: ASN1Node
        do { node = try ASN1Parsing.parse(bytes, what: "the file") } catch {
            var contents = FileContents(name: name, format: "DER")
            contents.add(error)
            return contents
        }
        let shape = DERShape.classify(node)
        var contents = FileContents(name: name, format: shape.description)
        do throws(ReadFailure) {
            switch shape {
            case .pkcs12:
                let pkcs12 = try PKCS12Reader.read(node, password: password, session: session)
                for der in pkcs12.certificates {
                    do throws(ReadFailure) {
                        try session.countCertificate()
                        contents.certificates.append(try ParsedCertificate(der: der))
                    } catch {
                        contents.add(error)
                        if session.certificates >= session.limits.maximumCertificates { break }
                    }
                }
                contents.privateKeys = pkcs12.keys
                pkcs12.problems.forEach { contents.add($0) }
            case .certificate:
                try session.countCertificate()
                contents.certificates.append(try ParsedCertificate(der: bytes))
            case .pkcs8:
                contents.privateKeys.append(try PrivateKeyReader.pkcs8(node))
            case .encryptedPKCS8:
                guard let password else { throw EncryptedPrivateKeyReader.missingPassword }
                contents.privateKeys.append(try EncryptedPrivateKeyReader.pkcs8(node, password: password, session: session))
            case .pkcs1PrivateKey:
                contents.privateKeys.append(try PrivateKeyReader.rsa(node))
            case .sec1PrivateKey:
                contents.privateKeys.append(try PrivateKeyReader.ec(node, curveFromAlgorithm: nil))
            case .subjectPublicKeyInfo:
                contents.publicKeys.append(try SubjectPublicKeyInfoReader.read(node).algorithm)
            case .pkcs1PublicKey:
                contents.publicKeys.append(try SubjectPublicKeyInfoReader.rsaPublicKey(node).algorithm)
            case .refused(let reason):
                throw ReadFailure.unsupported(reason)
            case .unknown:
                throw ReadFailure.malformed("the DER data is not a certificate, a private key or a PKCS#12 file")
            }
        } catch {
            contents.add(error)
        }
        return contents
    }

    private static func noteIfEmpty(_ contents: inout FileContents) {
        if contents.certificates.isEmpty, contents.privateKeys.isEmpty, contents.publicKeys.isEmpty, contents.problems.isEmpty {
            contents.add(.malformed("the file holds no certificate and no private key"))
        }
    }
}
