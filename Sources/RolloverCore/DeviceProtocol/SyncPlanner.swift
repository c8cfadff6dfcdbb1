import Foundation

/// Decides, for one device sync, what the device must add and remove and how each of its deliveries moves.
/// Pure: the server and the fleet simulator call it with the same inputs and get the same answer.
public enum SyncPlanner {
    /// One certificate of the current trust material and the rollover that brought it (nil: standing material,
    /// such as the server's own CA root, that no rollover tracks).
    public struct MaterialItem: Sendable, Hashable {
        public var item: TrustItem
        public var rolloverID: Int64?

        public init(item: TrustItem, rolloverID: Int64?) {
            self.item = item
            self.rolloverID = rolloverID
        }
    }

    /// A delivery as the store holds it before this sync.
    public struct CurrentDelivery: Sendable, Hashable {
        public var state: DeliveryState
        public var updatedAt: Date

        public init(state: DeliveryState, updatedAt: Date) {
            self.state = state
            self.updatedAt = updatedAt
        }
    }

    /// A delivery's new state; `attempted` when the material is sent again after pending, failed or lost.
    public struct DeliveryChange: Sendable, Hashable {
        public var rolloverID: Int64
        public var state: DeliveryState
        public var reason: String?
        public var attempted: Bool

        public init(rolloverID: Int64, state: DeliveryState, reason: String?, attempted: Bool) {
            self.rolloverID = rolloverID
            self.state = state
            self.reason = reason
            self.attempted = attempted
        }
    }

    /// The reserve certificate a rollover hands to devices, delivered with every answer until it activates.
    public struct ReserveMaterial: Sendable, Hashable {
        public var certificate: ReserveCertificate
        public var rolloverID: Int64

        public init(certificate: ReserveCertificate, rolloverID: Int64) {
            self.certificate = certificate
            self.rolloverID = rolloverID
        }
    }

    public struct Plan: Sendable, Hashable {
        public var add: [TrustItem]
        public var remove: [String]
        public var reserve: ReserveCertificate?
        public var changes: [DeliveryChange]
    }

    /// - Parameters:
    ///   - material: the current trust material.
    ///   - withdrawn: fingerprints the server has taken out of the material; a device holding one removes it.
    ///   - held: what the device's trust store holds now.
    ///   - results: what the device says about its last installs.
    ///   - deliveries: the device's deliveries for open rollovers, by rollover id.
    ///   - reserve: the reserve certificate, if one is being distributed; its rollover is installed only when the
    ///     device holds it too.
    ///   - retryAfter: how long a failed delivery rests before it is sent again on its own.
    public static func plan(material: [MaterialItem], reserve: ReserveMaterial? = nil, withdrawn: Set<String>, held: Set<String>,
                            results: [InstallResult], deliveries: [Int64: CurrentDelivery], now: Date, retryAfter: TimeInterval) -> Plan {
        var byRollover: [Int64: [TrustItem]] = [:]
        var standing: [TrustItem] = []
        for entry in material {
            if let id = entry.rolloverID { byRollover[id, default: []].append(entry.item) } else { standing.append(entry.item) }
        }
        if let reserve { byRollover[reserve.rolloverID, default: []] += [] }
        let failures = Dictionary(results.filter { $0.status == .failed }.map { ($0.fingerprint, $0.reason ?? "no reason given") },
                                  uniquingKeysWith: { first, _ in first })

        var send = standing
        var changes: [DeliveryChange] = []
        // A reserve the device failed to install rests like any failed delivery: sent with every answer, it would be
        // failed again at every sync and its delivery would never reach `retrying`.
        var reserveResting = false
        for (rolloverID, items) in byRollover.sorted(by: { $0.key < $1.key }) {
            let current = deliveries[rolloverID]
            func change(_ state: DeliveryState, _ reason: String? = nil, attempted: Bool = false) {
                guard current != nil, current?.state != state || attempted || reason != nil else { return }
                changes.append(DeliveryChange(rolloverID: rolloverID, state: state, reason: reason, attempted: attempted))
            }
            var required = items.map(\.fingerprint)
            if let reserve, reserve.rolloverID == rolloverID { required.append(reserve.certificate.fingerprint) }
            if required.allSatisfy({ held.contains($0) }) {
                change(.installed)
            } else if let reason = required.lazy.compactMap({ failures[$0] }).first {
                // A failure already on record keeps its time, so the rest before a retry is not restarted.
                if current?.state != .failed { change(.failed, reason) }
                if reserve?.rolloverID == rolloverID { reserveResting = true }
            } else {
                switch current?.state {
                case .failed?:
                    guard let current, now.timeIntervalSince(current.updatedAt) >= retryAfter else {
                        if reserve?.rolloverID == rolloverID { reserveResting = true }
                        continue
                    }
                    change(.retrying, attempted: true)
                case .pending?, .installed?:
                    change(.delivered, attempted: true)
                case .delivered?, .retrying?, nil:
                    break
                }
                send.append(contentsOf: items)
            }
        }
        var seen = Set<String>()
        let add = send.filter { !held.contains($0.fingerprint) && seen.insert($0.fingerprint).inserted }
        let remove = held.intersection(withdrawn).subtracting(material.map(\.item.fingerprint)).sorted()
        let heldReserve = reserve.map { held.contains($0.certificate.fingerprint) } ?? false
        return Plan(add: add, remove: remove, reserve: reserveResting && !heldReserve ? nil : reserve?.certificate, changes: changes)
    }
}
