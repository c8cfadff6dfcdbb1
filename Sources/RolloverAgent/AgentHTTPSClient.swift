import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// The decision about a presented chain (leaf first), made by the caller; `refused` carries the reason to report.
public enum ServerTrustDecision: Sendable { case trusted; case refused(String) }

public struct HTTPSResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

public enum AgentHTTPSClientError: Error, CustomStringConvertible, Sendable, Hashable {
    case notHTTPS(String)
    case invalidURL(String)
    /// Exactly the reason of the refusing `ServerTrustDecision`, so the agent can say why.
    case untrustedServer(String)
    case connectionFailed(String)
    case timedOut(Duration)
    case responseTooLarge(limit: Int)
    case incompleteResponse(String)

    public var description: String {
        switch self {
        case .notHTTPS(let url): "only https URLs are allowed, not \(url)"
        case .invalidURL(let url): "invalid server URL \(url)"
        case .untrustedServer(let reason): "the server's certificate was refused: \(reason)"
        case .connectionFailed(let detail): "could not talk to the server: \(detail)"
        case .timedOut(let timeout): "the server did not answer within \(timeout)"
        case .responseTooLarge(let limit): "the server's response is larger than \(limit) bytes"
        case .incompleteResponse(let detail): "the server closed the connection before a complete response: \(detail)"
        }
    }
}

/// HTTPS for the device agent, straight on NIO so that the server is trusted only through the caller's `verify`
/// (the agent's anchors and pins): never the system trust store, never "no verification".
public struct AgentHTTPSClient: Sendable {
    public static let maximumResponseBytes = 4 * 1024 * 1024

    private let eventLoopGroup: any EventLoopGroup
    private let timeout: Duration

    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeout: Duration = .seconds(30)) {
        self.eventLoopGroup = eventLoopGroup
        self.timeout = timeout
    }

    /// One request on its own connection: POST with a JSON body (or GET when body is nil), headers incl. Authorization.
    /// `verify` gets the server's chain as swift-certificates `Certificate`s (leaf first) and the host name it was asked for.
    /// It alone decides, and it must check the host name too: with a custom callback NIOSSL checks nothing itself.
    public func send(url: URL, method: String, headers: [(String, String)], body: [UInt8]?,
                     verify: @escaping @Sendable ([Certificate], String) async -> ServerTrustDecision) async throws -> HTTPSResponse {
        guard url.scheme?.lowercased() == "https" else {
            throw AgentHTTPSClientError.notHTTPS(url.absoluteString)
        }
        // URL keeps the brackets of an IPv6 literal; connecting, SNI and `verify` want the bare address.
        guard let urlHost = url.host(percentEncoded: false), !urlHost.isEmpty else {
            throw AgentHTTPSClientError.invalidURL(url.absoluteString)
        }
        let host = urlHost.hasPrefix("[") && urlHost.hasSuffix("]") ? String(urlHost.dropFirst().dropLast()) : urlHost
        let port = url.port ?? 443
        let isIPAddress = (try? SocketAddress(ipAddress: host, port: port)) != nil

        var path = url.path(percentEncoded: true)
        if path.isEmpty { path = "/" }
        if let query = url.query(percentEncoded: true) { path += "?" + query }
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (port == 443 ? "" : ":\(port)")
        let head = Self.requestHead(method: method, path: path, host: hostHeader, headers: headers, body: body)

        let timeout = self.timeout
        return try await withThrowingTaskGroup(of: HTTPSResponse.self) { group in
            group.addTask {
                try await exchange(host: host, port: port, sni: isIPAddress ? nil : host, head: head, body: body, verify: verify)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw AgentHTTPSClientError.timedOut(timeout)
            }
            // Whichever ends first decides; the other is cancelled (cancelling the exchange closes its channel).
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func exchange(host: String, port: Int, sni: String?, head: HTTPRequestHead, body: [UInt8]?,
                          verify: @escaping @Sendable ([Certificate], String) async -> ServerTrustDecision) async throws -> HTTPSResponse {
        var tls = TLSConfiguration.makeClientConfiguration()
        // Must not be `.none`: NIOSSL would then skip the custom callback and accept anything. With a custom callback
        // the trust roots are never consulted; emptying them anyway keeps the system store out (and unloaded) and
        // would fail closed should the callback ever not run.
        tls.certificateVerification = .fullVerification
        tls.trustRoots = .certificates([])
        let sslContext = try NIOSSLContext(configuration: tls)
        let refusal = Refusal()

        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tlsHandler = try NIOSSLClientHandler(context: sslContext, serverHostname: sni) { presented, promise in
                            Self.decide(presented: presented, host: host, refusal: refusal, verify: verify, promise: promise)
                        }
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AgentHTTPSClientError.connectionFailed("\(host):\(port): \(error)")
        }

        do {
            return try await withTaskCancellationHandler {
                try await channel.executeThenClose { inbound, outbound in
                    // Written at once, but NIOSSL holds application data until the handshake is done and drops it
                    // when the handshake fails, so a refused server never sees the request or its credentials.
                    try await outbound.write(.head(head))
                    if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    return try await Self.collectResponse(inbound)
                }
            } onCancel: {
                channel.channel.close(promise: nil)
            }
        } catch {
            // The handshake error NIOSSL reports says nothing useful; the decision's reason does.
            if let reason = refusal.reason { throw AgentHTTPSClientError.untrustedServer(reason) }
            if let error = error as? AgentHTTPSClientError { throw error }
            throw AgentHTTPSClientError.connectionFailed("\(host):\(port): \(error)")
        }
    }

    /// The custom verification callback. It runs on the event loop, which must not wait, so the decision is made in a
    /// Task that completes the promise afterwards (promises are thread-safe).
    private static func decide(presented: [NIOSSLCertificate], host: String, refusal: Refusal,
                               verify: @escaping @Sendable ([Certificate], String) async -> ServerTrustDecision,
                               promise: EventLoopPromise<NIOSSLVerificationResult>) {
        let der: [[UInt8]]
        do {
            der = try presented.map { try $0.toDERBytes() }
        } catch {
            refusal.record("the server's certificate could not be read: \(error)")
            return promise.succeed(.failed)
        }
        Task {
            let decision: ServerTrustDecision
            do {
                decision = await verify(try der.map { try Certificate(derEncoded: $0) }, host)
            } catch {
                decision = .refused("the server's certificate could not be parsed: \(error)")
            }
            switch decision {
            case .trusted:
                promise.succeed(.certificateVerified)
            case .refused(let reason):
                refusal.record(reason)
                promise.succeed(.failed)
            }
        }
    }

    private static func requestHead(method: String, path: String, host: String, headers: [(String, String)], body: [UInt8]?) -> HTTPRequestHead {
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: host)
        // Framing headers are ours alone; a caller's copy could contradict what is actually sent.
        let framing: Set<String> = ["host", "content-length", "connection", "transfer-encoding"]
        for (name, value) in headers where !framing.contains(name.lowercased()) { fields.add(name: name, value: value) }
        if let body {
            if !fields.contains(name: "Content-Type") { fields.add(name: "Content-Type", value: "application/json") }
            fields.add(name: "Content-Length", value: String(body.count))
        } else if method != "GET" && method != "HEAD" {
            fields.add(name: "Content-Length", value: "0")
        }
        fields.add(name: "Connection", value: "close")
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: fields)
    }

    private static func collectResponse(_ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>) async throws -> HTTPSResponse {
        var status: Int?
        var body: [UInt8] = []
        for try await part in inbound {
            switch part {
            case .head(let head):
                status = Int(head.status.code)
            case .body(let buffer):
                // Checked before appending, so a hostile server cannot make the agent hold more than the limit.
                guard body.count + buffer.readableBytes <= maximumResponseBytes else {
                    throw AgentHTTPSClientError.responseTooLarge(limit: maximumResponseBytes)
                }
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let status else { break }
                return HTTPSResponse(status: status, body: body)
            }
        }
        throw AgentHTTPSClientError.incompleteResponse(status.map { "status \($0), \(body.count) body bytes" } ?? "no response")
    }
}

/// The refusal reason, written by the verification Task and read after the handshake failed.
private final class Refusal: Sendable {
    private let stored = Mutex<String?>(nil)
    func record(_ reason: String) { stored.withLock { $0 = reason } }
    var reason: String? { stored.withLock { $0 } }
}
