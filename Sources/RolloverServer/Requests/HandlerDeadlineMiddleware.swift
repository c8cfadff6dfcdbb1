import Hummingbird

/// Answers a request whose handler has not finished within `deadline` with 503 `unavailable`, and cancels the
/// handler: with PostgreSQL unreachable a store call would otherwise wait for the pool to give up (about a
/// minute), holding the client and a connection. Longer than the inspection deadline, so an upload's own 503
/// comes first.
struct HandlerDeadlineMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext
    var deadline: Duration = .seconds(30)

    struct Expired: Error {}

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            let next = UnsafeTransfer(next)
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask { try await next.value(request, context) }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    throw Expired()
                }
                defer { group.cancelAll() }
                do {
                    return try await group.next()!
                } catch is Expired {
                    throw APIError(.serviceUnavailable, "unavailable",
                                   "the server could not answer within \(deadline) (is its database reachable?); try again shortly")
                }
            }
        }
    }
}

/// Carries the non-Sendable `next` closure into the task group: it is called once, from one task, while the
/// middleware waits for it, so it is never used concurrently.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
