import Hummingbird
import RolloverCore

/// Refuses a body whose announced `Content-Length` is over the route's limit with 413 `body-too-large` before any of it
/// is read: otherwise the server would wait for bytes it is going to refuse (and a client could hold the
/// connection announcing a gigabyte and sending a byte).
struct AnnouncedLengthMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let announced = request.headers[.contentLength] {
            let limit = Self.limit(for: request.uri.path, context: context)
            guard let length = Int(announced), length >= 0 else {
                throw APIError(.badRequest, "bad-request", "Content-Length is not a whole number")
            }
            guard length <= limit else {
                throw APIError(.contentTooLarge, "body-too-large", "the body is at most \(limit / 1024) KB here, not \(length) bytes")
            }
        }
        return try await next(request, context)
    }

    /// The device API takes small bodies; everything else up to the upload limit.
    static func limit(for path: String, context: Context) -> Int {
        path == "/api/v1/enroll" || path == "/api/v1/sync" ? DeviceProtocol.maximumBodySize : context.maxUploadSize
    }
}
