import Foundation

/// A point in time as `store list --since` and `store prune --before` take it: a date
/// (`2026-12-01`, midnight UTC), a date and time in UTC (`2026-12-01T14:30:00Z`, or with an
/// offset, `+01:00`), or an age back from now (`90m`, `12h`, `7d`, `4w`).
public enum TimeSpec {
    /// The longest age accepted, in days (about 100 years).
    public static let maxDays = 36_500

    /// The time `text` names, relative to `now` for an age; nil when it is none of the forms.
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let age = age(text) { return now.addingTimeInterval(-age) }
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        day.timeZone = TimeZone(identifier: "UTC")
        if text.count == 10, let date = day.date(from: text) { return date }
        return nil
    }

    /// An age in seconds: a whole number then `m`, `h`, `d` or `w`, at most ``maxDays`` days; nil
    /// otherwise.
    public static func age(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let n = Int(text.dropLast()), n >= 0 else { return nil }
        let seconds: Double
        switch unit {
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86_400
        case "w": seconds = 7 * 86_400
        default: return nil
        }
        let age = Double(n) * seconds
        return age <= Double(maxDays) * 86_400 ? age : nil
    }

    /// What the flags' help and errors say.
    public static let forms = "a date (2026-12-01, UTC), a UTC time (2026-12-01T14:30:00Z) or an age (90m, 12h, 7d, 4w; at most \(maxDays) days)"
}
