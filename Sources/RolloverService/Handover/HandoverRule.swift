import Foundation
import RolloverAgent
import RolloverCore
import X509

/// When an activation needs a handover record: when a device that trusted the certificate served until now, through
/// whatever of the trust material it trusted it by, would not trust the new one for the same names. Decided with
/// `ServerTrustEvaluation`, the very function devices run, so the chain grows exactly when devices need it to.
public enum HandoverRule {
    /// - Parameters:
    ///   - previous: the chain served until now, leaf first.
    ///   - next: the chain about to be served, leaf first.
    ///   - material: the current anchors and pins.
    ///   - names: the names devices reach the server by (the previous leaf's DNS and IP names).
    public static func devicesCanVerify(next: [Certificate], previous: [Certificate], material: [TrustItem], names: [String], at now: Date) async -> Bool {
        let probes = names.map(probe).filter { !$0.isEmpty }
        guard !probes.isEmpty else { return false }
        // The part of the material the previous certificate was trusted through, for each name devices use.
        var trusting: [TrustItem] = []
        for item in material {
            let alone = item.role == .anchor ? TrustStore(anchors: [item]) : TrustStore(pins: [item])
            for name in probes {
                if case .trusted = await ServerTrustEvaluation.evaluate(chain: previous, host: name, store: alone, now: now) {
                    trusting.append(item)
                    break
                }
            }
        }
        // Nothing in the material explains how devices trusted it: assume they need the record.
        guard !trusting.isEmpty else { return false }
        // Devices at the previous state hold all of it (it came to them together); the new chain must verify
        // through it for every name.
        let held = TrustStore(anchors: trusting.filter { $0.role == .anchor }, pins: trusting.filter { $0.role == .pin })
        for name in probes {
            guard case .trusted = await ServerTrustEvaluation.evaluate(chain: next, host: name, store: held, now: now) else { return false }
        }
        return true
    }

    /// A host name to check a certificate for: a wildcard name by a name it covers; other kinds of name (email:,
    /// URI:, other:) are not names devices connect to.
    static func probe(_ name: String) -> String {
        if ["email:", "URI:", "other:"].contains(where: name.hasPrefix) { return "" }
        return name.hasPrefix("*.") ? "handover-probe" + name.dropFirst(1) : name
    }
}
