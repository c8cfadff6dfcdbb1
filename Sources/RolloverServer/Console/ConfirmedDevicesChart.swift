import Foundation

/// The "confirmed devices over time" chart of a rollover's details, drawn by the server as SVG (no script, no
/// chart library): the cumulative confirmations as a step line, the readiness threshold as a horizontal line, the
/// first check, the deadline and now as vertical lines. Colours are presentation attributes, which the console's
/// content security policy allows.
struct ConfirmedDevicesChart {
    var start: Date
    var end: Date
    /// Confirmations per interval, as the store groups them.
    var confirmations: [(start: Date, count: Int)]
    var threshold: Int
    var thresholdPercent: Int
    var activeDevices: Int
    var deliveries: Int
    var firstCheck: Date?
    var deadline: Date?
    var now: Date

    private let width = 720.0, height = 300.0
    private let left = 56.0, right = 16.0, top = 16.0, bottom = 40.0

    init(start: Date, end: Date, confirmations: [(start: Date, count: Int)], threshold: Int, thresholdPercent: Int, activeDevices: Int,
         deliveries: Int, firstCheck: Date?, deadline: Date?, now: Date) {
        self.start = start
        self.end = max(end, start.addingTimeInterval(3600))
        self.confirmations = confirmations
        self.threshold = threshold
        self.thresholdPercent = thresholdPercent
        self.activeDevices = activeDevices
        self.deliveries = deliveries
        self.firstCheck = firstCheck
        self.deadline = deadline
        self.now = now
    }

    var total: Int { confirmations.reduce(0) { $0 + $1.count } }

    var svg: String {
        let yMax = Double(max(1, deliveries, activeDevices, threshold, total))
        func x(_ date: Date) -> Double {
            let fraction = date.timeIntervalSince(start) / end.timeIntervalSince(start)
            return left + min(max(fraction, 0), 1) * (width - left - right)
        }
        func y(_ value: Double) -> Double { top + (1 - value / yMax) * (height - top - bottom) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var parts: [String] = []
        parts.append(##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="confirmed-chart" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-labelledby="chart-title chart-desc">"##)
        parts.append(##"<title id="chart-title">Confirmed devices over time</title>"##)
        parts.append(##"<desc id="chart-desc">\##(total) of \##(deliveries) device(s) confirmed; the readiness threshold is \##(threshold) (\##(thresholdPercent)% of \##(activeDevices) active).</desc>"##)
        // Axes and a light grid at whole-device steps, about four of them.
        let step = max(1, Int((yMax / 4).rounded(.up)))
        for tick in stride(from: 0, through: Int(yMax), by: step) {
            let value = Double(tick)
            parts.append(##"<line x1="\##(number(left))" x2="\##(number(width - right))" y1="\##(number(y(value)))" y2="\##(number(y(value)))" stroke="#e3e7ed" stroke-width="1"/>"##)
            parts.append(##"<text x="\##(number(left - 6))" y="\##(number(y(value) + 4))" font-size="11" text-anchor="end" fill="#4a5360">\##(Int(value.rounded()))</text>"##)
        }
        parts.append(##"<line x1="\##(number(left))" x2="\##(number(left))" y1="\##(number(top))" y2="\##(number(height - bottom))" stroke="#4a5360"/>"##)
        parts.append(##"<line x1="\##(number(left))" x2="\##(number(width - right))" y1="\##(number(height - bottom))" y2="\##(number(height - bottom))" stroke="#4a5360"/>"##)
        parts.append(##"<text x="\##(number(left))" y="\##(number(height - 22))" font-size="11" fill="#4a5360">\##(Self.day(start))</text>"##)
        parts.append(##"<text x="\##(number(width - right))" y="\##(number(height - 22))" font-size="11" text-anchor="end" fill="#4a5360">\##(Self.day(end))</text>"##)

        // Markers: first check, deadline, now.
        func marker(_ date: Date?, _ label: String, _ colour: String, dash: String, id: String) {
            guard let date, date >= start, date <= end else { return }
            parts.append(##"<g id="\##(id)"><line x1="\##(number(x(date)))" x2="\##(number(x(date)))" y1="\##(number(top))" y2="\##(number(height - bottom))" stroke="\##(colour)" stroke-width="1.5" stroke-dasharray="\##(dash)"/>"##
                + (x(date) > width / 2
                    ? ##"<text x="\##(number(x(date) - 3))" y="\##(number(height - 8))" font-size="11" text-anchor="end" fill="\##(colour)">\##(label)</text></g>"##
                    : ##"<text x="\##(number(x(date) + 3))" y="\##(number(height - 8))" font-size="11" fill="\##(colour)">\##(label)</text></g>"##))
        }
        marker(firstCheck, "first check", "#0b57d0", dash: "2 3", id: "chart-check")
        marker(deadline, "deadline", "#b3261e", dash: "6 3", id: "chart-deadline")
        marker(now, "now", "#4a5360", dash: "1 2", id: "chart-now")

        // The readiness threshold.
        parts.append(##"<g id="chart-threshold"><line x1="\##(number(left))" x2="\##(number(width - right))" y1="\##(number(y(Double(threshold))))" y2="\##(number(y(Double(threshold))))" stroke="#8a4b00" stroke-width="1.5" stroke-dasharray="5 4"/>"##
            + ##"<text x="\##(number(width - right - 4))" y="\##(number(y(Double(threshold)) - 5))" font-size="11" text-anchor="end" fill="#8a4b00">readiness threshold: \##(threshold) (\##(thresholdPercent)%)</text></g>"##)

        // Cumulative confirmations as steps, from zero at the start to now (or the end).
        var points = [(x(start), y(0))]
        var running = 0
        for bucket in confirmations.sorted(by: { $0.start < $1.start }) {
            let at = x(max(bucket.start, start))
            points.append((at, y(Double(running))))
            running += bucket.count
            points.append((at, y(Double(running))))
        }
        points.append((x(min(now, end)), y(Double(running))))
        let path = points.enumerated().map { index, point in "\(index == 0 ? "M" : "L")\(number(point.0)) \(number(point.1))" }.joined(separator: " ")
        parts.append(##"<path id="chart-confirmed" d="\##(path)" fill="none" stroke="#136c2e" stroke-width="2.5"/>"##)
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private static func day(_ date: Date) -> String {
        date.formatted(Date.VerbatimFormatStyle(format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits)", timeZone: .gmt,
                                                calendar: Calendar(identifier: .gregorian)))
    }
}
