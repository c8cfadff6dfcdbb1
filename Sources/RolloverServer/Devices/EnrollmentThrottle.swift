import Foundation
import Synchronization

/// Bounds how fast enrollments come, per client address and per enrollment secret (token buckets kept in memory):
/// a secret copied off one device, or one machine with a guessing loop, cannot enroll fake devices by the
/// thousand. The buckets are generous for a real fleet: a whole office enrolling behind one NAT address gets 120
/// at once and 2 a second after that; one secret 1,200 at once and 20 a second.
final class EnrollmentThrottle: Sendable {
    struct Rate: Sendable {
        var burst: Double
        var perSecond: Double
    }

    static let perAddress = Rate(burst: 120, perSecond: 2)
    static let perSecret = Rate(burst: 1200, perSecond: 20)
    /// Buckets kept at most per kind; past it, the full (idle) ones are forgotten first.
    static let trackedKeys = 10_000

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// Takes one enrollment from the address's and the secret's buckets, or answers how many seconds until there
    /// is one (nothing is taken then).
    func admit(address: String?, secretSHA256: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { buckets in
            var keys: [(String, Rate)] = [("secret:" + secretSHA256, Self.perSecret)]
            if let address { keys.append(("address:" + address, Self.perAddress)) }
            var wait = 0.0
            var refilled: [(String, Bucket)] = []
            for (key, rate) in keys {
                var bucket = buckets[key] ?? Bucket(tokens: rate.burst, updated: now)
                let elapsed = Double((now - bucket.updated).components.seconds) + Double((now - bucket.updated).components.attoseconds) / 1e18
                bucket.tokens = min(rate.burst, bucket.tokens + elapsed * rate.perSecond)
                bucket.updated = now
                if bucket.tokens < 1 { wait = max(wait, (1 - bucket.tokens) / rate.perSecond) }
                refilled.append((key, bucket))
            }
            guard wait == 0 else {
                for (key, bucket) in refilled { buckets[key] = bucket }
                return wait
            }
            for (key, var bucket) in refilled {
                bucket.tokens -= 1
                buckets[key] = bucket
            }
            if buckets.count > 2 * Self.trackedKeys { Self.forgetIdle(&buckets, now: now) }
            return nil
        }
    }

    /// Drops the buckets that have refilled completely: forgetting them changes nothing.
    private static func forgetIdle(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let longestRefill = Duration.seconds(perSecret.burst / perSecret.perSecond)
        buckets = buckets.filter { now - $0.value.updated < longestRefill }
    }
}
