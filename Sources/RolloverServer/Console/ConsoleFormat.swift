import Foundation

/// How the console writes times and remaining days: UTC, to the minute, with the ISO form in `datetime`.
enum ConsoleFormat {
    struct Time: Sendable {
        var text: String
        var iso: String
    }

    static func time(_ date: Date?) -> Time? {
        guard let date else { return nil }
        return Time(text: date.formatted(Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
            timeZone: .gmt, calendar: Calendar(identifier: .gregorian))), iso: date.ISO8601Format())
    }

    /// `ok` beyond 30 days, `soon` within 30, `urgent` within 7 (and expired): the colour of "days left".
    static func expiryLevel(daysLeft: Int) -> String {
        daysLeft <= 7 ? "urgent" : daysLeft <= 30 ? "soon" : "ok"
    }

    /// "in 3 days", "in 5 hours", "2 days ago".
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        let magnitude = abs(seconds)
        let amount: String
        switch magnitude {
        case ..<90: amount = "\(Int(magnitude)) seconds"
        case ..<5400: amount = "\(Int(magnitude / 60)) minutes"
        case ..<172_800: amount = "\(Int(magnitude / 3600)) hours"
        default: amount = "\(Int(magnitude / 86_400)) days"
        }
        return seconds >= 0 ? "in \(amount)" : "\(amount) ago"
    }

    /// `text` as one path segment: everything but RFC 3986's unreserved characters percent-encoded, so a name with
    /// `/`, `?` or `#` still addresses its own form.
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A path segment as `pathSegment` wrote it, decoded.
    static func pathName(_ segment: String) -> String {
        segment.removingPercentEncoding ?? segment
    }
}
