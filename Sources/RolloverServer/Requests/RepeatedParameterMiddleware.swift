import Hummingbird

/// Refuses a query that names a parameter twice (`confirm=true&confirm=false`) with 400 `repeated-parameter`:
/// routes read the first value, so a repeated one would mean something other than the client may think.
struct RepeatedParameterMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var seen = Set<Substring>()
        for parameter in request.uri.queryParameters where !seen.insert(parameter.key).inserted {
            throw APIError(.badRequest, "repeated-parameter", "the query names \(parameter.key) more than once")
        }
        return try await next(request, context)
    }
}
