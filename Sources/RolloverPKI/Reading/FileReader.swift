import SwiftASN1

/// Reads one file by its content, never by its name: PEM text (any mix of certificates and keys), a DER
/// certificate, a DER private or public key, or PKCS#12. Never throws: whatever goes wrong becomes a problem
/// with a code, and the rest of the file still counts.
public enum FileReader {
    public static func read(_ bytes: [UInt8], name: String, password: Password?) -> FileContents {
        if PEMScanner.looksLikePEM(bytes) {
            var contents = FileContents(name: name, format: "PEM")
            for block in PEMScanner.blocks(in: bytes) {
                switch block {
                case .success(let block): readPEMBlock(block, password: password, into: &contents)
                case .failure(let failure): contents.add(failure)
                }
            }
            noteIfEmpty(&contents)
            return contents
        }
        guard bytes.first == 0x30 else {
            var contents = FileContents(name: name, format: "unknown")
            contents.add(.malformed("this is neither PEM text nor DER: expected a certificate, a private key or a PKCS#12 file"))
            return contents
        }
        return readDER(bytes, name: name, password: password)
    }

    private static func readPEMBlock(_ block: PEMBlock, password: Password?, into contents: inout FileContents) {
        let encrypted = block.headers["Proc-Type"]?.contains("ENCRYPTED") == true
        do throws(ReadFailure) {
            switch block.label {
            case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
                contents.certificates.append(try ParsedCertificate(der: block.der))
            case "PRIVATE KEY":
                contents.privateKeys.append(try PrivateKeyReader.read(block.der, as: .pkcs8))
            case "RSA PRIVATE KEY", "EC PRIVATE KEY":
                let encoding: PrivateKeyReader.Encoding = block.label == "RSA PRIVATE KEY" ? .pkcs1 : .sec1
                if encrypted {
                    guard let password else { throw EncryptedPrivateKeyReader.missingPassword }
                    contents.privateKeys.append(try EncryptedPrivateKeyReader.traditional(block, encoding: encoding, password: password))
                } else {
                    contents.privateKeys.append(try PrivateKeyReader.read(block.der, as: encoding))
                }
            case "ENCRYPTED PRIVATE KEY":
                guard let password else { throw EncryptedPrivateKeyReader.missingPassword }
                let node = try ASN1Parsing.parse(block.der, what: "the encrypted private key")
                contents.privateKeys.append(try EncryptedPrivateKeyReader.pkcs8(node, password: password))
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

    private static func readDER(_ bytes: [UInt8], name: String, password: Password?) -> FileContents {
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
                let pkcs12 = try PKCS12Reader.read(node, password: password)
                for der in pkcs12.certificates {
                    do { contents.certificates.append(try ParsedCertificate(der: der)) } catch { contents.add(error) }
                }
                contents.privateKeys = pkcs12.keys
                pkcs12.problems.forEach { contents.add($0) }
            case .certificate:
                contents.certificates.append(try ParsedCertificate(der: bytes))
            case .pkcs8:
                contents.privateKeys.append(try PrivateKeyReader.pkcs8(node))
            case .encryptedPKCS8:
                guard let password else { throw EncryptedPrivateKeyReader.missingPassword }
                contents.privateKeys.append(try EncryptedPrivateKeyReader.pkcs8(node, password: password))
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
