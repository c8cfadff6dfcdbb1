import Foundation

/// A value read from a column that holds one of an enum's raw values. One this version does not know (written by
/// a newer version, or a bad migration) is an error that names where it is, never a default: an unknown rollover
/// state read as `open` could be activated by the next tick, an unknown certificate state read as `staged` could be
/// targeted.
enum StoredValue {
    static func decode<Value: RawRepresentable>(_ raw: Value.RawValue, table: String, column: String, row: Int64?) throws -> Value
    where Value.RawValue: CustomStringConvertible {
        guard let value = Value(rawValue: raw) else {
            throw StoreError.unknownStoredValue(table: table, column: column, row: row, value: raw.description)
        }
        return value
    }
}

extension StoreError {
    /// The store holds a value this version does not know; the request changes nothing.
    static func unknownStoredValue(table: String, column: String, row: Int64?, value: String) -> StoreError {
        let shown = value.count > 64 ? String(value.prefix(64)) + "…" : value
        let place = row.map { "\(table).\(column) of row \($0)" } ?? "\(table).\(column)"
        return StoreError(.corrupt, "\(place) holds \"\(shown.debugDescription.dropFirst().dropLast())\", which this version of Rollover does not know "
                          + "(written by a newer version, or a bad migration); nothing was changed", specificCode: "unknown-stored-value")
    }
}
