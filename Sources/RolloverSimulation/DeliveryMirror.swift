import Foundation
import RolloverCore
import RolloverStore

/// An exact in-memory copy of the store's deliveries, so a sync does not read the database: 100,000 devices
/// syncing hourly would be 2.4 million reads a day. It follows the store's rules to the letter (SQLiteStore):
/// a new rollover gives every enrolled device a `pending` delivery stamped with the rollover's creation time; an
/// enrollment gives the device a delivery in the enrollment's state for each open rollover, stamped with its
/// enrollment time; a sync report changes a delivery when its state differs, or it carries a reason, or it is an
/// attempt, stamping the sync time. `Simulation` checks the copy against the store at the end.
struct DeliveryMirror {
    static let none: UInt8 = 0xFF

    struct Column {
        var rolloverID: Int64
        var state: [UInt8]
        /// Seconds since 1970, as the store keeps them.
        var updatedAt: [Int64]
        /// How often the material was sent (the store's `attempts`).
        var attempts: [UInt16]
    }

    private(set) var columns: [Column] = []
    private var index: [Int64: Int] = [:]

    func column(for rolloverID: Int64) -> Int? { index[rolloverID] }

    var rolloverIDs: [Int64] { columns.map(\.rolloverID) }

    /// A rollover just created: a pending delivery for every enrolled device.
    mutating func addRollover(_ rolloverID: Int64, createdAt: Int64, enrolled: (Int) -> Bool, count: Int) {
        guard index[rolloverID] == nil else { return }
        var column = Column(rolloverID: rolloverID, state: Array(repeating: Self.none, count: count), updatedAt: Array(repeating: 0, count: count),
                            attempts: Array(repeating: 0, count: count))
        for slot in 0..<count where enrolled(slot) {
            column.state[slot] = UInt8(DeliveryState.pending.rawValue)
            column.updatedAt[slot] = createdAt
        }
        index[rolloverID] = columns.count
        columns.append(column)
    }

    /// A device just enrolled with `state` for every open rollover.
    mutating func enroll(_ slot: Int, open: Set<Int64>, state: DeliveryState, at seconds: Int64) {
        for position in columns.indices where open.contains(columns[position].rolloverID) {
            columns[position].state[slot] = UInt8(state.rawValue)
            columns[position].updatedAt[slot] = seconds
            columns[position].attempts[slot] = state == .pending ? 0 : 1
        }
    }

    func state(_ column: Int, _ slot: Int) -> DeliveryState? {
        let raw = columns[column].state[slot]
        return raw == Self.none ? nil : DeliveryState(rawValue: Int(raw))
    }

    func updatedAt(_ column: Int, _ slot: Int) -> Int64 { columns[column].updatedAt[slot] }

    func attempts(_ column: Int, _ slot: Int) -> Int { Int(columns[column].attempts[slot]) }

    /// The store's `recordSyncs` rule for one delivery update.
    mutating func record(_ update: SyncReport.DeliveryUpdate, slot: Int, at seconds: Int64) {
        guard let position = index[update.rolloverID] else { return }
        let old = columns[position].state[slot]
        guard old != Self.none, Int(old) != update.state.rawValue || update.reason != nil || update.attempted else { return }
        columns[position].state[slot] = UInt8(update.state.rawValue)
        columns[position].updatedAt[slot] = seconds
        if update.attempted { columns[position].attempts[slot] &+= 1 }
    }

    /// Deliveries of a device for the given rollovers, as `Store.deviceDeliveries` gives them (without the
    /// reasons: `DeviceSync.answer` does not read them).
    func deliveries(_ slot: Int, columns wanted: [Int]) -> [DeviceDelivery] {
        wanted.compactMap { position in
            let column = columns[position]
            let raw = column.state[slot]
            guard raw != Self.none, let state = DeliveryState(rawValue: Int(raw)) else { return nil }
            return DeviceDelivery(rolloverID: column.rolloverID, state: state, reason: nil, attempts: Int(column.attempts[slot]),
                                  updatedAt: Date(timeIntervalSince1970: TimeInterval(column.updatedAt[slot])))
        }
    }

    func counts(_ column: Int) -> [DeliveryState: Int] {
        var counts: [DeliveryState: Int] = [:]
        for raw in columns[column].state where raw != Self.none {
            if let state = DeliveryState(rawValue: Int(raw)) { counts[state, default: 0] += 1 }
        }
        return counts
    }
}
