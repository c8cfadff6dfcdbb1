import SwiftASN1

/// Small accessors over SwiftASN1's node tree. The readers walk structures by hand (PKCS#12, PKCS#8, TBS
/// certificates) because they must accept what real tools write, BER included, and name exactly what is wrong.
extension ASN1Node {
    /// The children of a constructed node, or a `malformed` failure naming what was expected.
    func elements(_ what: @autoclosure () -> String) throws(ReadFailure) -> [ASN1Node] {
        guard case .constructed(let collection) = content else {
            throw .malformed("\(what()) is not a constructed ASN.1 value")
        }
        return Array(collection)
    }

    /// Children of a SEQUENCE, checking the tag.
    func sequence(_ what: @autoclosure () -> String) throws(ReadFailure) -> [ASN1Node] {
        guard identifier == .sequence else { throw .malformed("\(what()) is not an ASN.1 SEQUENCE") }
        return try elements(what())
    }

    func objectIdentifier(_ what: @autoclosure () -> String) throws(ReadFailure) -> ASN1ObjectIdentifier {
        do { return try ASN1ObjectIdentifier(derEncoded: self) } catch {
            throw .malformed("\(what()) is not an object identifier")
        }
    }

    /// The bytes of an OCTET STRING, joining the chunks of a BER constructed encoding (Windows and NSS write those).
    func octets(_ what: @autoclosure () -> String, tag: ASN1Identifier = .octetString) throws(ReadFailure) -> [UInt8] {
        guard identifier == tag else { throw .malformed("\(what()) is not an OCTET STRING") }
        switch content {
        case .primitive(let bytes):
            return Array(bytes)
        case .constructed(let chunks):
            var joined: [UInt8] = []
            for chunk in chunks { joined += try chunk.octets(what()) }
            return joined
        }
    }

    /// The content bytes of a BIT STRING without unused bits (keys and signatures never have any).
    func bitStringBytes(_ what: @autoclosure () -> String) throws(ReadFailure) -> [UInt8] {
        do { return Array(try ASN1BitString(derEncoded: self).bytes) } catch {
            throw .malformed("\(what()) is not a BIT STRING")
        }
    }

    /// An INTEGER's big-endian magnitude without leading zero bytes. Negative values are refused.
    func unsignedInteger(_ what: @autoclosure () -> String) throws(ReadFailure) -> [UInt8] {
        guard identifier == .integer, case .primitive(let bytes) = content, let first = bytes.first else {
            throw .malformed("\(what()) is not an INTEGER")
        }
        guard first & 0x80 == 0 else { throw .malformed("\(what()) is negative") }
        return Array(bytes.drop(while: { $0 == 0 }))
    }

    /// A small non-negative INTEGER such as a version or an iteration count.
    func smallInteger(_ what: @autoclosure () -> String, max: Int = Int(Int32.max)) throws(ReadFailure) -> Int {
        let magnitude = try unsignedInteger(what())
        guard magnitude.count <= 4 else { throw .malformed("\(what()) is out of range") }
        let value = magnitude.reduce(0) { $0 << 8 | Int($1) }
        guard value <= max else { throw .malformed("\(what()) is out of range") }
        return value
    }

    /// Serial numbers are sometimes negative in the wild; read the bytes without judging the sign.
    func unsignedIntegerAllowingNegative(_ what: @autoclosure () -> String) throws(ReadFailure) -> [UInt8] {
        guard identifier == .integer, case .primitive(let bytes) = content, !bytes.isEmpty else {
            throw .malformed("\(what()) is not an INTEGER")
        }
        return Array(bytes)
    }

    var isNull: Bool { identifier == .null }

    func isContextTag(_ number: UInt) -> Bool {
        identifier.tagClass == .contextSpecific && identifier.tagNumber == number
    }
}

/// Parses DER first and falls back to BER, because PKCS#12 files from Windows and NSS use indefinite lengths.
enum ASN1Parsing {
    static func parse(_ bytes: [UInt8], what: String) throws(ReadFailure) -> ASN1Node {
        if let node = try? DER.parse(bytes) { return node }
        do { return try BER.parse(bytes) } catch { throw .malformed("\(what) is not valid ASN.1 (\(error.shortDescription))") }
    }
}

extension Error {
    /// A one-line description without type noise, for messages shown to administrators.
    var shortDescription: String {
        if let failure = self as? ReadFailure { return failure.message }
        let text = String(describing: self)
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }
}
