import Foundation
import Hummingbird

/// What the console's device lists share in their address: the "not seen for N days" filter and the keyset
/// cursor of the next page (the same query with `after=` moved on).
struct ConsoleListQuery {
    let request: Request

    /// The most days a "not seen for" filter takes (a century: nothing was seen before that).
    static let longestUnseenDays = 36_500

    /// `unseenDays=N` as typed (for the form) and as the "seen before" instant of a filter; a value outside 1 to
    /// `longestUnseenDays` is no filter.
    func unseen(now: Date) -> (days: Int?, seenBefore: Date?) {
        guard let days = request.uri.queryParameters.get("unseenDays", as: Int.self), (1...Self.longestUnseenDays).contains(days) else {
            return (nil, nil)
        }
        return (days, now.addingTimeInterval(-Double(days) * 86_400))
    }

    /// The next page's link when this one is full, nil on the last page.
    func nextPage(_ path: String, shown: Int, limit: Int, lastID: Int64?) -> String? {
        guard shown == limit, let lastID else { return nil }
        let kept = request.uri.queryParameters.filter { $0.key != "after" }.map { "\($0.key)=\($0.value)" }
        return path + "?" + (kept + ["after=\(lastID)"]).joined(separator: "&")
    }
}
