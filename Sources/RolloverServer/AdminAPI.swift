import Foundation
import Hummingbird
import Logging
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore

/// The admin JSON API under `/api/v1/admin/`, described in `openapi.json`.
struct AdminAPI: Sendable {
    let context: ServiceContext
    let live: LiveCertificates
    let addresses: [ConnectionAddress]
    var metrics = ServerMetrics()
    let material: TrustMaterial
    let syncWriter: SyncWriter
    /// Runs the lifecycle; the server runs it as a service, tests call `runOnce(now:)`.
    let scheduler: LifecycleScheduler
    let changes: RolloverChanges
    /// Where uploads are read and inspected, apart from the threads that serve devices.
    let inspections = InspectionPool()
    /// Enrollment rates per client address and per secret, shared by the HTTPS and the plain listeners.
    let enrollmentThrottle = EnrollmentThrottle()
    /// HTTPS mode as this server applies it now (the console reads `httpsMode.isOn` for its warning). Starts on;
    /// the server loads the stored setting before it serves (`httpsMode.refresh(from:)`). See `AdminSettings.swift`.
    let httpsMode: HTTPSMode
    /// The plain HTTP listeners (`rollover serve --plain-listen`) as URLs, named in `httpsModeWarning`.
    var plainListeners: [String] = []
    /// `/metrics` without a token (`rollover serve --metrics-public`).
    var metricsPublic = false

    init(context: ServiceContext, live: LiveCertificates, addresses: [ConnectionAddress], metrics: ServerMetrics = ServerMetrics(),
         httpsMode: HTTPSMode = HTTPSMode(), logger: Logger = Logger(label: "rollover")) {
        self.context = context
        self.live = live
        self.addresses = addresses
        self.metrics = metrics
        self.httpsMode = httpsMode
        material = TrustMaterial(store: context.store, addresses: addresses.map(\.description))
        syncWriter = SyncWriter(store: context.store)
        scheduler = LifecycleScheduler(context: context, addresses: addresses, live: live, material: material, metrics: metrics,
                                       httpsMode: httpsMode, logger: logger)
        changes = RolloverChanges(context: context, live: live, material: material, scheduler: scheduler, proofs: ProvenIdentities(context: context))
    }

    func register(on router: Router<AdminRequestContext>) throws {
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorBodyMiddleware())
        router.add(middleware: RepeatedParameterMiddleware())
        router.add(middleware: AnnouncedLengthMiddleware())
        router.add(middleware: HandlerDeadlineMiddleware())
        // Metrics name certificates, routes and rollout progress: an admin token reads them unless the server runs
        // with --metrics-public (for a scraper on a trusted network).
        let scrape = metricsPublic ? router.group() : router.group().add(middleware: AdminAuthentication(store: context.store))
        scrape.get("/metrics") { _, _ in
            var progress: [Int64: [DeliveryState: Int]] = [:]
            for rollover in try await context.store.rollovers() where rollover.state == .open {
                progress[rollover.id] = try await context.store.deliveryCounts(rolloverID: rollover.id)
            }
            let text = metrics.render(active: try await context.store.certificates(in: .active), deliveries: progress)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/api/v1/health") { _, _ in try await health() }
        router.get("/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        DeviceAPI(context: context, material: material, writer: syncWriter, throttle: enrollmentThrottle).register(on: router)
        let admin = router.group("/api/v1/admin").add(middleware: AdminAuthentication(store: context.store))
        AdminDeviceAPI(context: context, material: material).register(on: admin)
        RolloverAdminAPI(context: context, changes: changes).register(on: admin)
        try Console(api: self).register(on: router)
        admin.get("certificates") { _, _ in
            try await context.store.certificates(in: nil).map { CertificateSummary($0) }
        }
        admin.get("certificates/{id}") { _, request in try await certificate(request.parameters.require("id", as: RecordID.self).value) }
        admin.post("certificates/inspect") { request, request_context in
            try await inspect(try await upload(request, request_context))
        }
        admin.post("certificates") { request, request_context in
            try await importUpload(try await upload(request, request_context), actor: request_context.requireActor())
        }
        admin.post("certificates/{id}/activate") { request, request_context in
            try await activate(request.uri.queryParameters.get("confirm") == "true",
                               id: request_context.parameters.require("id", as: RecordID.self).value, actor: request_context.requireActor())
        }
        admin.post("certificates/reissue") { request, request_context in
            try await reissue(try await request.decode(as: ReissueRequest.self, context: request_context), actor: request_context.requireActor())
        }
        admin.get("tokens") { _, _ in
            try await context.store.adminTokens().map { token in
                TokenSummary(name: token.name, createdAt: ISO8601DateFormatter().string(from: token.createdAt),
                             revokedAt: token.revokedAt.map { ISO8601DateFormatter().string(from: $0) })
            }
        }
        admin.post("tokens") { request, request_context in
            struct NewToken: Decodable { var name: String }
            let name = try await request.decode(as: NewToken.self, context: request_context).name
            return try await createToken(name: name, actor: request_context.requireActor())
        }
        admin.delete("tokens/{name}") { _, request_context in
            try await context.store.revokeAdminToken(name: request_context.parameters.require("name"), actor: try request_context.requireActor())
            return Response(status: .noContent)
        }
        admin.get("settings") { _, _ in try await context.store.allSettings() }
        admin.put("settings/{key}") { request, request_context in
            struct Value: Decodable { var value: String }
            let key = try request_context.parameters.require("key")
            guard ServerSettings.defaults[key] != nil else {
                throw APIError.notFound("no setting \(key); settings: \(ServerSettings.keys.joined(separator: ", "))")
            }
            let value = try await request.decode(as: Value.self, context: request_context).value
            let warnings = try await setSetting(key: key, value: value, actor: try request_context.requireActor())
            return SettingChanged(key: key, value: value, warnings: warnings)
        }
        admin.get("audit") { request, _ in
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            let before: Int64?
            if let text = request.uri.queryParameters.get("before") {
                guard let id = RecordID(text)?.value else { throw APIError.badRequest("before is an audit entry id (a positive whole number)") }
                before = id
            } else {
                before = nil
            }
            return try await auditPage(limit: limit, before: before)
        }
    }

    /// Imports inspected files: refused with the first problem's code unless the inspection found none.
    func importCertificate(_ input: ([FileContents], InspectionOptions, String?), actor: AuditActor) async throws -> ImportResponse {
        let outcome = try await CertificateImport(context.acting(as: actor)).run(input.0, options: input.1, hostName: input.2)
        guard let id = outcome.certificateID else {
            throw APIError(.unprocessableContent, outcome.report.errors.first?.code.rawValue ?? "refused",
                           outcome.report.errors.map(\.message).joined(separator: "; "))
        }
        var json = InspectionReportJSON(outcome.report)
        json.ok = true
        return ImportResponse(certificate: try await certificate(id), report: json)
    }

    /// Reissue from the server's CA, as the Kaspersky dialog offers it: keep or change the connection address;
    /// activate immediately (proceed now) or after N days (a reserve, with the new addresses when they change).
    func reissue(_ body: ReissueRequest, actor: AuditActor) async throws -> ReissueResponse {
        let wanted: [ConnectionAddress]
        do { wanted = try body.addresses.map { try $0.map(ConnectionAddress.init) } ?? addresses } catch {
            throw APIError.badRequest("\(error)")
        }
        guard !wanted.isEmpty else { throw APIError.badRequest("a certificate needs at least one connection address") }
        try RequestBounds.checkAddressCount(wanted.count)
        // Every check before the CA signs: a refused reissue issues nothing.
        if let days = body.delayDays { try await changes.check(delay: days * 86_400) }
        if body.delayDays == nil, body.activate == true { try await changes.requireHTTPSMode() }
        let id = try await AuthorityService(context.acting(as: actor)).issueServerCertificate(for: wanted, hostName: body.hostName?.lowercased(), now: Date())
        if let days = body.delayDays {
            // "After N days": a reserve, with the new addresses when they change.
            let changesAddress = body.addresses != nil && Set(wanted) != Set(addresses)
            let started = try await changes.start(certificateID: id, preset: changesAddress ? .addressChange : .reserve, delay: days * 86_400,
                                                  addresses: changesAddress ? wanted.map(\.description) : nil, confirm: false, actor: actor)
            return ReissueResponse(certificate: try await certificate(id), rollover: started.rollover, warnings: started.warnings)
        }
        if body.activate == true {
            return ReissueResponse(certificate: try await activate(body.confirm == true, id: id, actor: actor).certificate, rollover: nil, warnings: [])
        }
        return ReissueResponse(certificate: try await certificate(id), rollover: nil, warnings: [])
    }

    /// A new admin token, shown once; only its hash is kept.
    func createToken(name: String, actor: AuditActor) async throws -> TokenCreated {
        let (token, hash) = AdminTokens.generate()
        _ = try await context.store.insertAdminToken(name: name, tokenSHA256: hash, actor: actor)
        return TokenCreated(name: name, token: token)
    }

    func certificate(_ id: Int64) async throws -> CertificateSummary {
        guard let found = try await context.store.certificate(id: id) else {
            throw APIError.notFound("no certificate \(id)")
        }
        return CertificateSummary(found)
    }

    /// Proceed now: refused while devices would be cut off unless confirmed; the chain and key are proven
    /// together before anything changes, then the store and the live server switch. Recorded as a rollover.
    func activate(_ confirmed: Bool, id: Int64, actor: AuditActor) async throws -> ActivationResponse {
        _ = try await certificate(id)
        let started = try await changes.start(certificateID: id, preset: .proceedNow, delay: nil, addresses: nil, confirm: confirmed, actor: actor)
        return ActivationResponse(certificate: try await certificate(id), devicesAtRisk: started.devicesAtRisk)
    }

    /// The inspection report of an upload, read and inspected in `inspections` (its own thread, a deadline).
    func inspect(_ upload: UploadRequest) async throws -> InspectionReportJSON {
        try await inspections.run {
            let (files, options, _) = try inspectionInput(upload)
            return InspectionReportJSON(await Inspector.inspect(files, options: options))
        }
    }

    /// An upload imported as a staged certificate, read and inspected in `inspections` as `inspect` does.
    func importUpload(_ upload: UploadRequest, actor: AuditActor) async throws -> ImportResponse {
        try await inspections.run { try await importCertificate(try inspectionInput(upload), actor: actor) }
    }

    private func upload(_ request: Request, _ requestContext: AdminRequestContext) async throws -> UploadRequest {
        let body: UploadRequest
        if let boundary = request.headers[.contentType].flatMap(MultipartUpload.boundary) {
            body = try MultipartUpload.parse(try await request.body.collect(upTo: requestContext.maxUploadSize), boundary: boundary)
        } else {
            body = try await request.decode(as: UploadRequest.self, context: requestContext)
        }
        return body
    }

    /// What an upload (from the API or the console's form) asks to inspect or import, with the server's connection
    /// addresses to check unless it names its own.
    func inspectionInput(_ body: UploadRequest) throws -> ([FileContents], InspectionOptions, String?) {
        guard !body.files.isEmpty else { throw APIError.badRequest("no files were sent") }
        let password = body.password.map(Password.init)
        let inputs = try body.files.map { file in
            guard let data = Data(base64Encoded: file.content) else { throw APIError.badRequest("\(file.name) is not base64") }
            return InputFile(name: file.name, bytes: Array(data))
        }
        // All files of one upload draw from one decryption budget and stop with the inspection's deadline (the
        // pool cancels the task).
        let files = FileReader.read(inputs, password: password)
        var options = InspectionOptions()
        options.addresses = body.addresses ?? body.hostName.map { [$0] } ?? addresses.map(\.description)
        return (files, options, body.hostName)
    }

    /// The service context acting as the caller, so audit entries name the token.
    private func acting(_ requestContext: AdminRequestContext) throws -> ServiceContext {
        context.acting(as: try requestContext.requireActor())
    }
}
