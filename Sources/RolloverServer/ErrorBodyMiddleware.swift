import Foundation
import Hummingbird
import RolloverCore
import RolloverStore

/// Gives every failure the documented shape, `{"error": {"code", "message"}}`, with the status that fits: a
/// store's refusal, Hummingbird's own errors (an unknown route, a body over its limit, an unreadable body), and
/// anything unexpected, which is logged and answered 500 `internal-error` without its details.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch {
            let refusal = APIError(refusing: error)
            if refusal.status == .internalServerError {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(String(reflecting: type(of: error)))")
            }
            throw refusal
        }
    }
}

extension APIError {
    /// A store's refusal with the status and stable code that fit it.
    init(_ error: StoreError) {
        switch error.code {
        case .notFound: self = .notFound(error.description)
        case .conflict: self.init(.conflict, error.specificCode ?? "conflict", error.description)
        case .invalid: self.init(.badRequest, error.specificCode ?? "bad-request", error.description)
        // The store holds what this version cannot read: the server's fault, said plainly (it names a table and
        // row, never a secret) so that an administrator can find it.
        case .corrupt: self.init(.internalServerError, error.specificCode ?? "corrupt-store", error.description)
        }
    }

    /// Anything a route throws, as the API answers it (the console shows the same code and message on a page).
    init(refusing error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as StoreError: self.init(error)
        case let error as HTTPError: self.init(error.status, Self.code(for: error.status), error.body ?? error.status.reasonPhrase)
        case let error as DecodingError:
            self.init(.badRequest, "malformed-body", "the body is not what this route takes: \(StrictJSONDecoder.describe(error))")
        case let error as StrictJSON.Malformed: self.init(.badRequest, "malformed-body", "the body is not valid JSON: \(error)")
        case _ where StoreAvailability.isUnavailable(error):
            self.init(.serviceUnavailable, "store-unavailable", "the database cannot be reached or written just now; try again shortly")
        default: self.init(.internalServerError, "internal-error", "the server failed; its log has the details")
        }
    }

    /// The stable code of a status that has no more particular one.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad-request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 408: "request-timeout"
        case 409: "conflict"
        case 413: "body-too-large"
        case 415: "unsupported-media-type"
        case 422: "unprocessable"
        case 429: "too-many-requests"
        case 503: "unavailable"
        default: "http-\(status.code)"
        }
    }
}
