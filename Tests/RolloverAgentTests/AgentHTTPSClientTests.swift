import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing
import X509
@testable import RolloverAgent

/// Real TLS on loopback: a small NIO HTTPS server with a chain made in the test, and the client deciding trust
/// only through the `verify` closure it is given.
@Suite struct AgentHTTPSClientTests {
    @Test func trustedServerAnswersAndReceivesTheBody() async throws {
        let pki = try ServerPKI()
        let server = try await TestHTTPSServer.start(pki)
        defer { server.stop() }
        let seen = Mutex<[([Certificate], String)]>([])
        let body = Array(#"{"device":"d-1","state":"ok"}"#.utf8)

        let response = try await AgentHTTPSClient().send(
            url: URL(string: "https://localhost:\(server.port)/v1/device/checkin?x=1")!, method: "POST",
            headers: [("Authorization", "Bearer secret-token")], body: body
        ) { chain, host in
            seen.withLock { $0.append((chain, host)) }
            return .trusted
        }

        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok":true,"received":\#(body.count)}"#)
        // The server presented leaf then intermediate; verify gets exactly that, and the host it was asked for.
        let calls = seen.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.0 == [pki.leaf, pki.intermediate])
        #expect(calls.first?.1 == "localhost")

        let request = try #require(server.log.requests.first)
        #expect(server.log.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.uri == "/v1/device/checkin?x=1")
        #expect(request.body == body)
        #expect(request.header("Authorization") == "Bearer secret-token")
        #expect(request.header("Host") == "localhost:\(server.port)")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Connection") == "close")
    }

    @Test func ipAddressHostIsHandedToVerifyAndGetHasNoBody() async throws {
        let server = try await TestHTTPSServer.start(try ServerPKI())
        defer { server.stop() }
        let hosts = Mutex<[String]>([])

        // SNI must be left out for an IP address (NIOSSL refuses it), but verify still needs the address.
        let response = try await AgentHTTPSClient().send(
            url: URL(string: "https://127.0.0.1:\(server.port)/status")!, method: "GET", headers: [], body: nil
        ) { _, host in
            hosts.withLock { $0.append(host) }
            return .trusted
        }

        #expect(response.status == 200)
        #expect(hosts.withLock { $0 } == ["127.0.0.1"])
        let request = try #require(server.log.requests.first)
        #expect(request.method == "GET")
        #expect(request.body.isEmpty)
        #expect(request.header("Content-Length") == nil)
    }

    @Test func refusedServerThrowsTheReasonAndNeverSeesTheRequest() async throws {
        let server = try await TestHTTPSServer.start(try ServerPKI())
        defer { server.stop() }
        let reason = "the leaf matches no pin (SHA-256 ab:cd)"

        let error = await #expect(throws: AgentHTTPSClientError.self) {
            try await AgentHTTPSClient().send(
                url: URL(string: "https://localhost:\(server.port)/v1/device/checkin")!, method: "POST",
                headers: [("Authorization", "Bearer secret-token")], body: Array("{}".utf8)
            ) { _, _ in .refused(reason) }
        }
        #expect(error == .untrustedServer(reason))
        #expect(error?.description == "the server's certificate was refused: \(reason)")

        // Once the server side has closed too, nothing can still be in flight: it must have seen no request at all.
        try await server.log.waitForClosedConnections(1)
        #expect(server.log.connections == 1)
        #expect(server.log.requests.isEmpty)
    }

    @Test func plainHTTPIsRefusedBeforeConnecting() async throws {
        let called = Mutex(false)
        let error = await #expect(throws: AgentHTTPSClientError.self) {
            try await AgentHTTPSClient().send(url: URL(string: "http://localhost:8080/v1")!, method: "GET", headers: [], body: nil) { _, _ in
                called.withLock { $0 = true }
                return .trusted
            }
        }
        #expect(error == .notHTTPS("http://localhost:8080/v1"))
        #expect(called.withLock { $0 } == false)
    }

    @Test func slowDecisionTimesOut() async throws {
        let server = try await TestHTTPSServer.start(try ServerPKI())
        defer { server.stop() }
        let error = await #expect(throws: AgentHTTPSClientError.self) {
            try await AgentHTTPSClient(timeout: .milliseconds(300)).send(
                url: URL(string: "https://localhost:\(server.port)/")!, method: "GET", headers: [], body: nil
            ) { _, _ in
                // Far beyond the timeout, so that even on a starved machine the timeout wins and the request is never sent.
                try? await Task.sleep(for: .seconds(60))
                return .trusted
            }
        }
        #expect(error == .timedOut(.milliseconds(300)))
        #expect(server.log.requests.isEmpty)
    }

    @Test func oversizedResponseIsRefused() async throws {
        let server = try await TestHTTPSServer.start(try ServerPKI())
        defer { server.stop() }
        let error = await #expect(throws: AgentHTTPSClientError.self) {
            try await AgentHTTPSClient().send(
                url: URL(string: "https://localhost:\(server.port)/big")!, method: "GET", headers: [], body: nil
            ) { _, _ in .trusted }
        }
        #expect(error == .responseTooLarge(limit: AgentHTTPSClient.maximumResponseBytes))
    }
}

/// Root → intermediate → leaf (SAN localhost and 127.0.0.1), P-256.
private struct ServerPKI {
    let intermediate: Certificate
    let leaf: Certificate
    let leafKey: P256.Signing.PrivateKey

    init() throws {
        let rootKey = P256.Signing.PrivateKey()
        let intermediateKey = P256.Signing.PrivateKey()
        leafKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName { CommonName("Agent Test Root") }
        let intermediateName = try DistinguishedName { CommonName("Agent Test Intermediate") }
        let start = Date(timeIntervalSinceNow: -3600), end = Date(timeIntervalSinceNow: 86_400)
        intermediate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
            notValidBefore: start, notValidAfter: end, issuer: rootName, subject: intermediateName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                KeyUsage(keyCertSign: true, cRLSign: true)
            }, issuerPrivateKey: .init(rootKey))
        leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: start, notValidAfter: end, issuer: intermediateName,
            subject: try DistinguishedName { CommonName("localhost") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // SAN as raw DER, SEQUENCE { dNSName "localhost", iPAddress 127.0.0.1 }: an IP entry needs SwiftASN1's
                // ASN1OctetString, which this test target does not depend on.
                Certificate.Extension(oid: .X509ExtensionID.subjectAlternativeName, critical: false,
                                      value: [0x30, 0x11, 0x82, 0x09] + ArraySlice("localhost".utf8) + [0x87, 0x04, 127, 0, 0, 1])
                try ExtendedKeyUsage([.serverAuth])
                KeyUsage(digitalSignature: true)
            }, issuerPrivateKey: .init(intermediateKey))
    }

    func serverTLS() throws -> NIOSSLContext {
        let chain = try [leaf, intermediate].map {
            NIOSSLCertificateSource.certificate(try NIOSSLCertificate(bytes: Array(try $0.serializeAsPEM().pemString.utf8), format: .pem))
        }
        let key = try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem)
        return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }
}

/// What the test server saw, shared between its event loop and the test.
private final class ServerLog: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private let state = Mutex<(connections: Int, closed: Int, requests: [Request])>((0, 0, []))
    var connections: Int { state.withLock { $0.connections } }
    var requests: [Request] { state.withLock { $0.requests } }
    func opened() { state.withLock { $0.connections += 1 } }
    func closed() { state.withLock { $0.closed += 1 } }
    func record(_ request: Request) { state.withLock { $0.requests.append(request) } }

    func waitForClosedConnections(_ count: Int) async throws {
        for _ in 0..<200 where state.withLock({ $0.closed }) < count { try await Task.sleep(for: .milliseconds(10)) }
        #expect(state.withLock { $0.closed } >= count, "the server never saw the connection close")
    }
}

private struct TestHTTPSServer {
    let channel: any Channel
    let log: ServerLog
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(_ pki: ServerPKI) async throws -> TestHTTPSServer {
        let tls = try pki.serverTLS()
        let log = ServerLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                log.opened()
                channel.closeFuture.whenComplete { _ in log.closed() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ReplyHandler(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPSServer(channel: channel, log: log)
    }

    func stop() { channel.close(promise: nil) }
}

/// Records each request and answers `{"ok":true,"received":<body length>}`, or 4 MB + 1 byte for `/big`.
private final class ReplyHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: ServerLog
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(log: ServerLog) { self.log = log }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += buffer.readableBytesView
        case .end:
            guard let head else { return }
            log.record(.init(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body))
            let reply = head.uri == "/big"
                ? [UInt8](repeating: 0x20, count: AgentHTTPSClient.maximumResponseBytes + 1)
                : Array(#"{"ok":true,"received":\#(body.count)}"#.utf8)
            let headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(reply.count)), ("Connection", "close")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
