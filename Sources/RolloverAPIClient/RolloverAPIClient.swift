import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A client of the admin API for the command line: bearer token, JSON in and out, TLS trusting the server's CA.
public final class RolloverAPIClient: Sendable {
    let base: String
    let token: String
    let client: HTTPClient

    /// - Parameter caFile: PEM roots to trust (the server's `ca.pem`); nil trusts the system store.
    /// - Throws: `TokenTransport.Refusal` for a URL the token must not travel to (plain HTTP beyond loopback).
    public init(server: String, token: String, caFile: String?) throws {
        try TokenTransport.check(server)
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        base = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    /// Sends a request and returns the JSON body; an error response becomes an `APIFailure` with its code.
    public func send(_ method: HTTPMethod, _ path: String, json: Data? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = Data((try await response.body.collect(upTo: 64 * 1024 * 1024)).readableBytesView)
        guard response.status.code < 400 else { throw APIFailure(status: Int(response.status.code), body: body) }
        return body
    }

    public func shutdown() async throws { try await client.shutdown() }
}

/// An error the server answered with: its stable code and message.
public struct APIFailure: Error, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    init(status: Int, body: Data) {
        struct Envelope: Decodable {
            struct Detail: Decodable {
                var code: String
                var message: String
            }
            var error: Detail
        }
        let envelope = try? JSONDecoder().decode(Envelope.self, from: body)
        self.status = status
        code = envelope?.error.code ?? "http-\(status)"
        message = envelope?.error.message ?? String(decoding: body.prefix(300), as: UTF8.self)
    }

    public var description: String { "\(code): \(message)" }
}
