import Foundation

/// One `-----BEGIN X-----` … `-----END X-----` block, with its RFC 1421 headers (`Proc-Type`, `DEK-Info`).
struct PEMBlock: Sendable {
    var label: String
    var headers: [String: String]
    var der: [UInt8]
}

/// Finds PEM blocks in text the way administrators' files really look: a UTF-8 BOM, CRLF line endings,
/// `subject=`/`issuer=` lines or other prose between blocks. SwiftASN1's `PEMDocument` refuses headers and
/// surrounding text, so this scanner is ours.
enum PEMScanner {
    /// Whether the bytes look like PEM text at all.
    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count >= marker.count else { return false }
        return bytes.indices.dropLast(marker.count - 1).contains { index in
            bytes[index] == 0x2D && Array(bytes[index..<index + marker.count]) == marker
        }
    }

    /// Every block in order, up to `limit`; a block that is broken gives a failure in its place so the rest still
    /// counts. `truncated` says a further BEGIN line was found and not read.
    static func blocks(in bytes: [UInt8], limit: Int = .max) -> (blocks: [Result<PEMBlock, ReadFailure>], truncated: Bool) {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        // `cat a.crt b.crt` of files without a final newline glues END and BEGIN on one line.
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "----------BEGIN ", with: "-----\n-----BEGIN ")
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }

        var results: [Result<PEMBlock, ReadFailure>] = []
        var index = 0
        while index < lines.count {
            guard let label = boundaryLabel(lines[index], kind: "BEGIN") else {
                index += 1
                continue
            }
            guard results.count < limit else { return (results, true) }
            index += 1
            var headers: [String: String] = [:]
            var base64 = ""
            var endLabel: String?
            var inHeaders = true
            while index < lines.count {
                let line = lines[index]
                index += 1
                if let end = boundaryLabel(line, kind: "END") {
                    endLabel = end
                    break
                }
                if inHeaders, let colon = line.firstIndex(of: ":") {
                    headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    continue
                }
                inHeaders = false
                base64 += line
            }
            results.append(decode(label: label, endLabel: endLabel, headers: headers, base64: base64))
        }
        return (results, false)
    }

    private static func decode(label: String, endLabel: String?, headers: [String: String], base64: String) -> Result<PEMBlock, ReadFailure> {
        guard let endLabel else {
            return .failure(.malformed("the PEM block \"\(label)\" has no END line: the file is cut short"))
        }
        guard endLabel == label else {
            return .failure(.malformed("the PEM block begins as \"\(label)\" but ends as \"\(endLabel)\""))
        }
        guard !base64.isEmpty, let data = Data(base64Encoded: base64) else {
            return .failure(.malformed("the PEM block \"\(label)\" does not contain valid base64"))
        }
        return .success(PEMBlock(label: label, headers: headers, der: Array(data)))
    }

    private static func boundaryLabel(_ line: String, kind: String) -> String? {
        let prefix = "-----\(kind) "
        guard line.hasPrefix(prefix), line.hasSuffix("-----"), line.count >= prefix.count + 5 else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(5))
    }
}
