import Foundation
import Hummingbird

/// A form the console received: `application/x-www-form-urlencoded` or `multipart/form-data` (the import form's
/// files). Text fields by name (the last value wins), files in order.
struct ConsoleForm: Sendable {
    struct File: Sendable {
        var name: String
        var bytes: [UInt8]
    }

    var fields: [String: String] = [:]
    var files: [File] = []

    subscript(_ name: String) -> String? { fields[name] }

    /// A trimmed field, nil when empty.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Reads a posted form (at most `limit` bytes). Console routes get theirs from `ConsoleVisit.form`, read once by
    /// the session middleware.
    static func read(_ request: Request, limit: Int) async throws -> ConsoleForm {
        try parse(try await request.body.collect(upTo: limit), contentType: request.headers[.contentType] ?? "")
    }

    static func parse(_ body: ByteBuffer, contentType: String) throws -> ConsoleForm {
        var form = ConsoleForm()
        if let boundary = MultipartUpload.boundary(of: contentType) {
            for part in try MultipartUpload.parts(body, boundary: boundary) {
                if let fileName = part.fileName {
                    // A file input left empty still sends a part, with no name and no bytes.
                    if !fileName.isEmpty || !part.body.isEmpty { form.files.append(File(name: fileName, bytes: part.body)) }
                } else {
                    form.fields[part.name] = part.text
                }
            }
            return form
        }
        let text = String(buffer: body)
        guard !text.isEmpty else { return form }
        do { form.fields = try URLEncodedFormDecoder().decode([String: String].self, from: text) } catch {
            throw APIError.badRequest("the form is malformed")
        }
        return form
    }
}
