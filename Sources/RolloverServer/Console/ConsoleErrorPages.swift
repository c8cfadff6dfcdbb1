import Foundation
import Hummingbird
import RolloverStore

/// Console routes answer in HTML: a refusal (with its stable code) or a failure becomes a page, not the API's JSON.
struct ConsoleErrorPages: RouterMiddleware {
    typealias Context = AdminRequestContext
    let renderer: ConsoleRenderer

    struct Failure: Sendable {
        var status: Int
        var code: String
        var message: String
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let refusal = APIError(refusing: error)
            if refusal.status == .internalServerError { context.logger.error("console: \(String(reflecting: type(of: error)))") }
            return page(refusal.status, refusal.code, refusal.message, context)
        }
    }

    private func page(_ status: HTTPResponse.Status, _ code: String, _ message: String, _ context: Context) -> Response {
        renderer.response("error", Failure(status: status.code, code: code, message: message), status: status)
    }
}
