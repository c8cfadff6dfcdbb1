/// A grammar check of RFC 8259 JSON before a body is decoded. Foundation's decoder is lenient (it takes trailing
/// commas, and a repeated key silently keeps one of its values), so a body a client got wrong could still change
/// something; here it is refused first. Also bounds nesting, so no body can recurse deeply.
///
/// Written here because no JSON library on this machine kind offers a strict mode; it checks syntax only and
/// builds nothing.
enum StrictJSON {
    struct Malformed: Error, CustomStringConvertible {
        var reason: String
        var offset: Int
        var description: String { "\(reason) at byte \(offset)" }
    }

    /// Objects and arrays nest at most this deep.
    static let deepestNesting = 32

    static func validate(_ bytes: some Collection<UInt8>) throws(Malformed) {
        var scanner = Scanner(bytes: Array(bytes))
        scanner.skipWhitespace()
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw scanner.malformed("text after the JSON value") }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var current: UInt8? { atEnd ? nil : bytes[index] }

        func malformed(_ reason: String) -> Malformed { Malformed(reason: reason, offset: index) }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(Malformed) {
            guard current == byte else { throw malformed("expected \(what)") }
            index += 1
        }

        mutating func value(depth: Int) throws(Malformed) {
            switch current {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): try number()
            default: throw malformed("expected a value")
            }
        }

        mutating func object(depth: Int) throws(Malformed) {
            guard depth <= StrictJSON.deepestNesting else { throw malformed("nested deeper than \(StrictJSON.deepestNesting)") }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") { index += 1; return }
            var keys = Set<[UInt8]>()
            while true {
                skipWhitespace()
                let keyStart = index
                guard current == UInt8(ascii: "\"") else { throw malformed("expected a member name") }
                let key = try string()
                guard keys.insert(key).inserted else { index = keyStart; throw malformed("a repeated member name") }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                try value(depth: depth)
                skipWhitespace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return
            }
        }

        mutating func array(depth: Int) throws(Malformed) {
            guard depth <= StrictJSON.deepestNesting else { throw malformed("nested deeper than \(StrictJSON.deepestNesting)") }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") { index += 1; return }
            while true {
                skipWhitespace()
                try value(depth: depth)
                skipWhitespace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        }

        /// A string; returns its raw bytes between the quotes (escapes as written), which is what a repeated
        /// member name is compared by.
        mutating func string() throws(Malformed) -> [UInt8] {
            index += 1
            let start = index
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return Array(bytes[start..<(index - 1)])
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { throw malformed("an unfinished escape") }
                    if escaped == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            index += 1
                            guard let hex = current, Self.isHexDigit(hex) else { throw malformed("a \\u escape without four hex digits") }
                        }
                    } else if !"\"\\/bfnrt".utf8.contains(escaped) {
                        throw malformed("an unknown escape")
                    }
                    index += 1
                case 0x00..<0x20: throw malformed("a control character in a string")
                default: index += 1
                }
            }
            throw malformed("an unterminated string")
        }

        mutating func literal(_ word: String) throws(Malformed) {
            for byte in word.utf8 {
                guard current == byte else { throw malformed("expected \(word)") }
                index += 1
            }
        }

        mutating func number() throws(Malformed) {
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, Self.isDigit(first) else { throw malformed("a number without digits") }
            index += 1
            if first != UInt8(ascii: "0") { digits() }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let next = current, Self.isDigit(next) else { throw malformed("a fraction without digits") }
                digits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let next = current, Self.isDigit(next) else { throw malformed("an exponent without digits") }
                digits()
            }
        }

        mutating func digits() {
            while let byte = current, Self.isDigit(byte) { index += 1 }
        }

        static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) }
    }
}
