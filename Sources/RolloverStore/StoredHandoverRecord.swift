import Foundation

/// A signed handover record as stored: its place in its host's chain, the rollover whose activation wrote it, and
/// the record itself as the JSON devices fetch (the store never reads inside it).
public struct StoredHandoverRecord: Sendable, Hashable {
    /// The host name whose served certificate changed; "" for the default certificate.
    public var host: String
    public var sequence: Int
    public var rolloverID: Int64?
    public var issuedAt: Date
    /// The `HandoverRecord` JSON.
    public var document: String

    public init(host: String, sequence: Int, rolloverID: Int64?, issuedAt: Date, document: String) {
        self.host = host
        self.sequence = sequence
        self.rolloverID = rolloverID
        self.issuedAt = issuedAt
        self.document = document
    }

    /// The audit detail of a record's insertion, the same from both engines.
    var auditDetail: String { "handover record \(sequence) for \(host.isEmpty ? "the default host" : host) written before the switch" }

    static func walkDetail(from: Int, to: Int) -> String {
        "caught up through handover records \(from + 1)...\(to) instead of being cut off"
    }

    static func pruneDetail(_ count: Int, before date: Date) -> String {
        "\(count) handover record(s) issued before \(StoreSchema.iso(date)) deleted (handover-retention)"
    }

    /// Unretired devices whose trust state is before a sequence (or unknown), through their partial index; the
    /// same SQL in both dialects but for the placeholder (`?` or `$1`).
    static func countBehind(placeholder: String) -> String {
        "SELECT count(*) FROM devices WHERE retired_at IS NULL AND (handover_sequence < \(placeholder) OR handover_sequence IS NULL)"
    }

    /// The refusal when a record does not follow its host's newest one (another writer got there first).
    static func outOfSequence(_ record: StoredHandoverRecord, latest: Int) -> StoreError {
        StoreError(.conflict, "handover record \(record.sequence) for \"\(record.host)\" does not follow the newest, \(latest); try again",
                   specificCode: "handover-out-of-sequence")
    }
}
