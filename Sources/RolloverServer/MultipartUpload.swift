import Foundation
import Hummingbird
import MultipartKit

/// Reads a `multipart/form-data` upload (what a browser form sends): `file` parts (repeatable), `password`,
/// `address` (repeatable) and `hostName` fields.
enum MultipartUpload {
    static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        return contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.lowercased().hasPrefix("boundary=") }
            .map { String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    /// One part of a form: its field name, the file name when it is a file, and its bytes.
    struct Part {
        var name: String
        var fileName: String?
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func parts(_ body: ByteBuffer, boundary: String) throws -> [Part] {
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var headers: [String: String] = [:]
        var content: [UInt8] = []
        parser.onHeader = { field, value in headers[field.lowercased()] = value }
        parser.onBody = { buffer in content += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        parser.onPartComplete = {
            let disposition = Self.parameters(headers["content-disposition"] ?? "")
            parts.append(Part(name: disposition["name"] ?? "", fileName: disposition["filename"], body: content))
            headers = [:]
            content = []
        }
        do { try parser.execute(body) } catch { throw APIError.badRequest("the multipart upload is malformed") }
        return parts
    }

    static func parse(_ body: ByteBuffer, boundary: String) throws -> UploadRequest {
        var upload = UploadRequest(files: [], password: nil, addresses: nil, hostName: nil)
        for part in try parts(body, boundary: boundary) {
            switch part.name {
            case "file", "files", "files[]":
                upload.files.append(.init(name: part.fileName ?? "upload", content: Data(part.body).base64EncodedString()))
            case "password": upload.password = part.text
            case "address": upload.addresses = (upload.addresses ?? []) + [part.text]
            case "hostName": upload.hostName = part.text.isEmpty ? nil : part.text
            default: continue
            }
        }
        return upload
    }

    /// `form-data; name="file"; filename="server.pfx"` → ["name": "file", "filename": "server.pfx"]
    private static func parameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { result[pair[0]] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return result
    }
}
