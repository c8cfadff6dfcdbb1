import Hummingbird

/// The router of a plain HTTP listener (`rollover serve --plain-listen HOST:PORT`): the device API
/// (`/api/v1/enroll`, `/api/v1/sync`) and `/api/v1/health`, served only while HTTPS mode is off. The admin API,
/// `/metrics`, the OpenAPI description and the console are never registered here, so they are never served over
/// plain HTTP.
extension AdminAPI {
    func registerPlainHTTP(on router: Router<AdminRequestContext>) {
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: HTTPSRequiredMiddleware(mode: httpsMode))
        router.add(middleware: ErrorBodyMiddleware())
        router.add(middleware: RepeatedParameterMiddleware())
        router.add(middleware: AnnouncedLengthMiddleware())
        router.add(middleware: HandlerDeadlineMiddleware())
        router.get("/api/v1/health") { _, _ in try await health() }
        DeviceAPI(context: context, material: material, writer: syncWriter, throttle: enrollmentThrottle).register(on: router)
    }
}

/// Checks HTTPS mode on every request to a plain HTTP listener: while it is on, everything is refused with 403
/// `https-required`; while it is off, so is every path that is not registered on the plain router (the router
/// names the endpoint before its middleware runs, and leaves it unnamed for a path it does not serve).
struct HTTPSRequiredMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext
    let mode: HTTPSMode

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !mode.isOn else {
            throw APIError(.forbidden, "https-required",
                           "HTTPS mode is on: use the HTTPS listener; this plain HTTP listener serves the device API only while https-mode is off")
        }
        guard context.endpointPath != nil else {
            throw APIError(.forbidden, "https-required",
                           "only the device API (/api/v1/enroll, /api/v1/sync) and /api/v1/health are served over plain HTTP; everything else needs HTTPS")
        }
        return try await next(request, context)
    }
}
