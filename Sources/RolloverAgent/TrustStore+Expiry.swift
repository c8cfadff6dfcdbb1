import Foundation
import RolloverCore
import X509

extension TrustStore {
    /// The store without the pins and the reserve whose certificate has expired (or cannot be read): they can never
    /// verify a server again, and a leaked key of an expired certificate must not stay trusted. Anchors are kept:
    /// a CA's own validity is checked on every path it verifies, and the server withdraws them.
    public func droppingExpired(now: Date) -> (store: TrustStore, dropped: [String]) {
        func expired(_ pem: String) -> Bool {
            guard let certificate = try? Certificate(pemEncoded: pem) else { return true }
            return now > certificate.notValidAfter
        }
        var kept = self
        kept.pins.removeAll { expired($0.pem) }
        if let reserve, expired(reserve.pem) { kept.reserve = nil }
        return (kept, Set(held).subtracting(kept.held).sorted())
    }
}
