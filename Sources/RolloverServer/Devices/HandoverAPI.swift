import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// `GET /api/v1/handover?host=H&after=N`: the signed handover records a device that missed changes walks (see
/// `HandoverWalk`). Public material and no token: a device asks before it trusts the server, and everything in the
/// answer is worth only its signatures. One page is at most `HandoverPage.size` records.
struct HandoverAPI: Sendable {
    let context: ServiceContext
    let material: TrustMaterial

    func register(on router: Router<AdminRequestContext>) {
        router.get("/api/v1/handover") { request, _ in try DeviceAPI.json(try await answer(request)) }
    }

    private func answer(_ request: Request) async throws -> HandoverAnswer {
        let query = request.uri.queryParameters
        let host = query.get("host").map { String($0) } ?? RequestHost.name(request) ?? ""
        guard host.utf8.count <= 253, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError(.badRequest, "invalid-host", "host is a host name or IP address of at most 253 characters")
        }
        let afterText = query.get("after").map { String($0) } ?? "0"
        guard afterText.utf8.count <= 12, afterText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let after = Int(afterText) else {
            throw APIError(.badRequest, "invalid-sequence", "after is the sequence number the device is at: a whole number of at most 12 digits")
        }
        return try await HandoverPage.answer(host: host, after: after, snapshot: try await material.snapshot(now: Date()), store: context.store)
    }
}

/// The host name a request was sent to (its Host header or HTTP/2 authority) without the port.
enum RequestHost {
    static func name(_ request: Request) -> String? {
        guard var authority = request.head.authority, !authority.isEmpty else { return nil }
        if authority.hasPrefix("[") {
            guard let end = authority.firstIndex(of: "]") else { return nil }
            return String(authority[authority.index(after: authority.startIndex)..<end]).lowercased()
        }
        if let colon = authority.lastIndex(of: ":") { authority = String(authority[..<colon]) }
        return authority.lowercased()
    }
}
