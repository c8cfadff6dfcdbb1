import Foundation
import RolloverCore

/// The SQL of a filtered device page, written once for both databases: only the placeholder differs
/// (`?` for SQLite, `$1`… for PostgreSQL). Every filter keeps the keyset on `devices.id`, so a page costs the
/// same at the start and at the end of a million rows.
struct DeviceQuery {
    enum Argument { case text(String), integer(Int64) }

    var sql: String
    var arguments: [Argument]

    init(_ filter: DeviceFilter, afterID: Int64?, limit: Int, placeholder: (Int) -> String) {
        var conditions: [String] = []
        var arguments: [Argument] = []
        func bind(_ argument: Argument) -> String {
            arguments.append(argument)
            return placeholder(arguments.count)
        }
        var from = "devices d"
        if let rollover = filter.rolloverID {
            from += " JOIN deliveries x ON x.device_id = d.id AND x.rollover_id = \(bind(.integer(rollover)))"
            if let state = filter.deliveryState { conditions.append("x.state = \(bind(.integer(Int64(state.rawValue))))") }
        }
        if let platform = filter.platform { conditions.append("d.platform = \(bind(.text(platform.rawValue)))") }
        if let before = filter.seenBefore { conditions.append("(d.last_seen_at IS NULL OR d.last_seen_at < \(bind(.integer(Self.seconds(before)))))") }
        if let after = filter.seenAfter { conditions.append("d.last_seen_at >= \(bind(.integer(Self.seconds(after))))") }
        if !filter.includeRetired { conditions.append("d.retired_at IS NULL") }
        conditions.append("d.id > \(bind(.integer(afterID ?? 0)))")
        sql = "SELECT d.* FROM \(from) WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.id LIMIT \(bind(.integer(Int64(limit))))"
        self.arguments = arguments
    }

    private static func seconds(_ date: Date) -> Int64 { SQLiteStore.seconds(date) }
}
