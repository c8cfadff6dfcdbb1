import Foundation

/// The checked-in OpenAPI description (`openapi.json`, a resource of this target), served as it is. A test keeps it
/// in step with the router.
enum OpenAPIDocument {
    static let json: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return #"{"error": {"code": "missing-openapi", "message": "openapi.json is not installed beside the server"}}"# }
        return text
    }()
}
