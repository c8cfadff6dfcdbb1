/// Lower-case hex of bytes (fingerprints, token hashes) without a formatter per byte: the token hash runs on every
/// device sync, and `String(format:)` per byte showed in its profile.
extension Sequence<UInt8> {
    public var hexEncoded: String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        characters.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
