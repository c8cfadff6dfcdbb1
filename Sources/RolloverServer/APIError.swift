import Foundation
import Hummingbird

/// Every API failure: `{"error": {"code", "message"}}` with the HTTP status that fits. Codes are stable.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra fields some errors carry (e.g. how many devices would lose the connection).
    public var details: [String: Int] = [:]
    /// The devices a refusal is about (e.g. those that would lose the connection), at most 100.
    var devices: [DeviceSummary] = []

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: Int] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: Int] = [:], devices: [DeviceSummary]) {
        self.init(status, code, message, details: details)
        self.devices = devices
    }

    public static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid admin token is required: Authorization: Bearer <token>")
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "not-found", what) }
    public static func badRequest(_ what: String) -> APIError { APIError(.badRequest, "bad-request", what) }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var details: [String: Int]?
            var devices: [DeviceSummary]?
        }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(code: code, message: message, details: details.isEmpty ? nil : details,
                                        devices: devices.isEmpty ? nil : devices))
        let data = try JSONEncoder().encode(body)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
