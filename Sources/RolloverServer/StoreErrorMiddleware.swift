import Hummingbird
import RolloverStore

/// Turns a store's refusal into the API's error shape with the status that fits: not found is 404, a conflict
/// (a name or certificate that exists already) is 409, an invalid change is 400 — never a bare 500.
struct StoreErrorMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as StoreError {
            switch error.code {
            case .notFound: throw APIError.notFound(error.description)
            case .conflict: throw APIError(.conflict, "conflict", error.description)
            case .invalid: throw APIError.badRequest(error.description)
            }
        }
    }
}
