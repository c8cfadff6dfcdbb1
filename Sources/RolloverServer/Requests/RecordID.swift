/// A record id as a path or query parameter: digits only, 1 to 18 of them, above zero. `Int64.init` would also
/// read `+1` as 1, so a request meant for something else could act on record 1.
struct RecordID: LosslessStringConvertible, Sendable {
    let value: Int64

    init?(_ description: String) {
        guard !description.isEmpty, description.utf8.count <= 18, description.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int64(description), value > 0
        else { return nil }
        self.value = value
    }

    var description: String { "\(value)" }
}
