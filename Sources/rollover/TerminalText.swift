/// Text from a server or a file, made safe to print on a terminal: control characters (C0, DEL, C1) and the
/// bidirectional overrides are written as visible escapes (`\u{1B}`), so a name or a subject cannot move the cursor,
/// retitle the window, hide text or reorder what the administrator reads.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else if scalar == "\\" {
                // A backslash stays readable but cannot fake an escape of ours.
                result += "\\\\"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true   // C0 (newline and tab included: a cell is one line), DEL, C1 (CSI 0x9B)
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true   // bidi marks, embeddings, overrides, isolates
        default: false
        }
    }
}
