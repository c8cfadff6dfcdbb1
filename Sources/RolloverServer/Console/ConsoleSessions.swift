import Foundation
import RolloverCore
import RolloverService

/// A signed-in administrator of the console.
struct ConsoleSession: Sendable {
    /// The admin token's name: audit entries of console changes name it, as they would for the API.
    var actor: AuditActor
    /// The hash of the token that signed in, checked on every request so that revoking it ends the session.
    var tokenSHA256: String
    /// The synchronizer token every form of this session carries.
    var csrf: String
    var lastUsed: Date
    var started: Date
    /// A message for the next page (what the last change did), shown once.
    var notice: String?
}

/// Console sessions, in memory. A restart signs everyone out, which suits an admin console and keeps session
/// secrets out of the database; only the SHA-256 of a cookie is kept, so a memory dump does not hand out sessions.
actor ConsoleSessions {
    static let idleTimeout: TimeInterval = 8 * 3600
    static let absoluteTimeout: TimeInterval = 24 * 3600
    /// Sessions beyond this evict the least recently used: a bound on memory whatever a client does.
    static let capacity = 10_000

    private var sessions: [String: ConsoleSession] = [:]

    /// A new session; the cookie value is returned once and never kept.
    func create(actor: AuditActor, tokenSHA256: String, now: Date = Date()) -> (cookie: String, session: ConsoleSession) {
        prune(now: now)
        if sessions.count >= Self.capacity, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            sessions[oldest] = nil
        }
        let cookie = Self.randomToken()
        let session = ConsoleSession(actor: actor, tokenSHA256: tokenSHA256, csrf: Self.randomToken(), lastUsed: now, started: now)
        sessions[Self.key(cookie)] = session
        return (cookie, session)
    }

    /// The live session for a cookie, its idle clock restarted; nil when unknown or expired.
    func session(cookie: String, now: Date = Date()) -> ConsoleSession? {
        let key = Self.key(cookie)
        guard var session = sessions[key] else { return nil }
        guard now.timeIntervalSince(session.lastUsed) < Self.idleTimeout, now.timeIntervalSince(session.started) < Self.absoluteTimeout else {
            sessions[key] = nil
            return nil
        }
        session.lastUsed = now
        sessions[key] = session
        return session
    }

    func end(cookie: String) { sessions[Self.key(cookie)] = nil }

    func setNotice(_ notice: String, cookie: String) { sessions[Self.key(cookie)]?.notice = notice }

    /// The pending notice, cleared as it is read.
    func takeNotice(cookie: String) -> String? {
        let key = Self.key(cookie)
        defer { sessions[key]?.notice = nil }
        return sessions[key]?.notice
    }

    private func prune(now: Date) {
        sessions = sessions.filter {
            now.timeIntervalSince($0.value.lastUsed) < Self.idleTimeout && now.timeIntervalSince($0.value.started) < Self.absoluteTimeout
        }
    }

    private static func key(_ cookie: String) -> String { AdminTokens.hash(cookie) }

    /// 32 random bytes, URL-safe base64 (the same generator as admin tokens).
    static func randomToken() -> String { AdminTokens.generate(prefix: "").token }
}
