import Foundation
import Hummingbird

/// The request decoder of every JSON route: the body is checked by `StrictJSON` first, then decoded (dates as
/// ISO 8601); either failure is 400 `malformed-body` with what is wrong, never Hummingbird's code-less 400.
struct StrictJSONDecoder: RequestDecoder {
    func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = buffer.readableBytesView
        do {
            try StrictJSON.validate(bytes)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as StrictJSON.Malformed {
            throw APIError(.badRequest, "malformed-body", "the body is not valid JSON: \(error)")
        } catch let error as DecodingError {
            throw APIError(.badRequest, "malformed-body", "the body is not what this route takes: \(Self.describe(error))")
        }
    }

    /// Which field is wrong and how, without the decoder's debug dump.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the body" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)) is null"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) is not \(type)"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "unreadable"
        }
    }
}
