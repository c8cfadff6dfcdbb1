import Hummingbird

/// Counts every request by its matched route (not the raw path, so ids do not explode the label set) and status.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: response.status.code)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status)
            throw error
        }
    }
}
