/// A TOML date-time: an offset date-time, a local date-time, a local date or a local time (RFC 3339 §5.6).
///
/// Which of the four it is follows from what is present: ``date`` and ``time`` with ``utcOffsetMinutes`` is an
/// offset date-time (`1979-05-27T07:32:00Z`), both without it a local date-time, ``date`` alone a local date,
/// ``time`` alone a local time.
///
/// The text form (``description``, ``init(_:)``) is RFC 3339 with an upper-case `T` and `Z`, and fractional seconds
/// in groups of three digits: `1987-07-05T17:45:56.600+08:00`. Fractional seconds beyond nanoseconds are
/// truncated, as TOML 1.0 asks ("truncated, not rounded").
public struct TOMLDateTime: Hashable, Sendable, LosslessStringConvertible {
    /// A calendar date in the proleptic Gregorian calendar.
    public struct Date: Hashable, Sendable {
        /// The year, 0 to 9999.
        public var year: Int
        /// The month, 1 to 12.
        public var month: Int
        /// The day of the month, 1 to 28, 29, 30 or 31.
        public var day: Int

        /// Creates a date; the caller keeps the fields in range.
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }
    }

    /// A time of day. A leap second (`:60`) is not accepted.
    public struct Time: Hashable, Sendable {
        /// The hour, 0 to 23.
        public var hour: Int
        /// The minute, 0 to 59.
        public var minute: Int
        /// The second, 0 to 59.
        public var second: Int
        /// The fraction of the second, in nanoseconds (0 to 999 999 999).
        public var nanosecond: Int

        /// Creates a time; the caller keeps the fields in range.
        public init(hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
            self.hour = hour
            self.minute = minute
            self.second = second
            self.nanosecond = nanosecond
        }
    }

    /// The date, or `nil` for a local time.
    public var date: Date?
    /// The time of day, or `nil` for a local date.
    public var time: Time?
    /// The offset from UTC in minutes (`Z` is 0, `-05:00` is -300), or `nil` for a local date-time, date or time.
    public var utcOffsetMinutes: Int?

    /// Creates a date-time; at least one of `date` and `time` should be given, and an offset only with both.
    public init(date: Date?, time: Time?, utcOffsetMinutes: Int? = nil) {
        self.date = date
        self.time = time
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Parses the text form of a TOML date-time: `1979-05-27T07:32:00Z`, `1979-05-27 07:32:00.999`, `1979-05-27`,
    /// `07:32:00`; `nil` if `description` is anything else, or names no real date.
    public init?(_ description: String) {
        let bytes = Array(description.utf8)
        guard case .value(let value, let end) = DateTimeScanner.scan(bytes, from: 0), end == bytes.count else {
            return nil
        }
        self = value
    }

    /// The text form: `1979-05-27T07:32:00Z`, `1979-05-27T00:32:00.999-07:00`, `1979-05-27`, `07:32:00`.
    public var description: String {
        var text = ""
        if let date {
            text += Self.digits(date.year, 4) + "-" + Self.digits(date.month, 2) + "-" + Self.digits(date.day, 2)
        }
        if let time {
            if date != nil { text += "T" }
            text += Self.digits(time.hour, 2) + ":" + Self.digits(time.minute, 2) + ":" + Self.digits(time.second, 2)
            if time.nanosecond != 0 {
                if time.nanosecond % 1_000_000 == 0 {
                    text += "." + Self.digits(time.nanosecond / 1_000_000, 3)
                } else if time.nanosecond % 1000 == 0 {
                    text += "." + Self.digits(time.nanosecond / 1000, 6)
                } else {
                    text += "." + Self.digits(time.nanosecond, 9)
                }
            }
        }
        if let utcOffsetMinutes {
            if utcOffsetMinutes == 0 {
                text += "Z"
            } else {
                let magnitude = utcOffsetMinutes.magnitude
                text +=
                    (utcOffsetMinutes < 0 ? "-" : "+") + Self.digits(Int(magnitude / 60), 2) + ":"
                    + Self.digits(Int(magnitude % 60), 2)
            }
        }
        return text
    }

    /// `value` in decimal, zero-padded to `width` digits.
    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
