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
            throw APIError(error)
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
        }
    }
}
