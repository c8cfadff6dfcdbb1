import Foundation
import Hummingbird
import Mustache

/// The console's templates (`Templates/*.mustache`, resources of this target) and the HTML responses made with
/// them. Every page is rendered through `layout` and sent with headers that keep it out of caches and frames and
/// allow only this server's own scripts and styles.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    init() throws {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw APIError(.internalServerError, "missing-templates", "the console's templates are not installed beside the server")
        }
        var library = MustacheLibrary()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        self.library = library
    }

    func response(_ template: String, _ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(object, withTemplate: template) ?? "<!doctype html><title>Rollover</title><p>Missing template \(template)</p>"
        return Response(status: status, headers: Self.headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .init("X-Content-Type-Options")!: "nosniff",
        .init("Referrer-Policy")!: "same-origin",
    ]
}
