import Hummingbird
import Logging
import RolloverCore
import RolloverService
import RolloverStore

/// Admits a request to `/api/v1/admin/` only with a valid, unrevoked bearer admin token. The token is hashed at
/// once and never logged; a refusal is logged with the route only. The lookup is by hash (which reveals nothing
/// about the token); the final comparison is constant-time all the same.
struct AdminAuthentication: RouterMiddleware {
    typealias Context = AdminRequestContext
    let store: any Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = request.bearerToken else {
            context.logger.notice("refused: no admin token", metadata: ["route": "\(request.method) \(request.uri.path)"])
            throw APIError.unauthorized
        }
        let presented = AdminTokens.hash(token)
        guard let record = try await store.adminToken(tokenSHA256: presented), record.revokedAt == nil,
            AdminTokens.constantTimeEqual(presented, record.tokenSHA256)
        else {
            context.logger.notice("refused: unknown or revoked admin token", metadata: ["route": "\(request.method) \(request.uri.path)"])
            throw APIError.unauthorized
        }
        var context = context
        context.actor = AuditActor(record.name)
        return try await next(request, context)
    }
}
