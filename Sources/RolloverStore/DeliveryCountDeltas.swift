/// The net change a batch of delivery writes makes to each (rollover, state) count, applied once per batch.
struct DeliveryCountDeltas {
    private(set) var changes: [Key: Int] = [:]

    struct Key: Hashable {
        var rolloverID: Int64
        var state: Int
    }

    mutating func move(rolloverID: Int64, from old: Int, to new: Int) {
        guard old != new else { return }
        changes[Key(rolloverID: rolloverID, state: old), default: 0] -= 1
        changes[Key(rolloverID: rolloverID, state: new), default: 0] += 1
    }
}
