import Foundation

/// A duration as settings write it: a number with a unit, `s`, `m`, `h` or `d` ("7d", "90s", "1.5h").
/// A bare number is in days, the unit the source documents speak in.
public enum SettingDuration {
    public static func parse(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let (number, unit) = units[last].map { (trimmed.dropLast(), $0) } ?? (Substring(trimmed), 86_400)
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        return value * unit
    }

    /// The shortest text that reads back as `seconds` ("7d", "36h", "90s"). Total: a value too large for a whole
    /// number of units (or not finite) is written as it is, never converted.
    public static func format(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "\(seconds)s" }
        for (unit, size) in [("d", 86_400.0), ("h", 3600), ("m", 60)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
