import ArgumentParser
import Foundation

/// The filters and paging shared by `rollover devices` and `rollover rollout devices`, as the API's query string.
struct DevicePageOptions: ParsableArguments {
    @Option(help: "Only this platform (macos, ios, windows, android, linux).") var platform: String?
    @Option(help: "Only devices last seen before this ISO 8601 time (or never).") var seenBefore: String?
    @Option(help: "Only devices last seen at or after this ISO 8601 time.") var seenAfter: String?
    @Option(help: "Delivery state: pending, delivered, installed, failed, retrying.") var state: String?
    @Option(help: "Start after this device id (the previous page's `next`).") var after: Int64?
    @Option(help: "Devices per page (1 to 1000).") var limit = 100

    /// `limit=…&platform=…` with the values percent-encoded.
    var query: [String] {
        var query = ["limit=\(limit)"]
        for (name, value) in [("platform", platform), ("seenBefore", seenBefore), ("seenAfter", seenAfter), ("state", state),
                              ("after", after.map(String.init))] {
            if let value { query.append("\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)") }
        }
        return query
    }
}
