import Foundation
import Hummingbird

/// The console's stylesheet and script (`Assets/`, resources of this target), read once and served from memory:
/// no CDN, nothing from outside the server.
struct ConsoleAssets: Sendable {
    struct Asset: Sendable {
        var contentType: String
        var bytes: ByteBuffer
    }

    let assets: [String: Asset]

    init() {
        var assets: [String: Asset] = [:]
        if let folder = Bundle.module.resourceURL?.appendingPathComponent("Assets"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        {
            for name in names {
                guard let data = try? Data(contentsOf: folder.appendingPathComponent(name)) else { continue }
                let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
                assets[name] = Asset(contentType: type, bytes: ByteBuffer(bytes: data))
            }
        }
        self.assets = assets
    }
}

extension Console {
    func registerAssets(on console: RouterGroup<AdminRequestContext>) {
        let assets = ConsoleAssets()
        console.get("assets/{name}") { _, context in
            guard let asset = assets.assets[try context.parameters.require("name")] else { throw APIError.notFound("no such asset") }
            return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "max-age=300",
                                                   .init("X-Content-Type-Options")!: "nosniff"],
                            body: .init(byteBuffer: asset.bytes))
        }
    }
}
