/// Recognises a TOML date-time at a position in a byte buffer (TOML 1.0 ABNF `date-time`, from RFC 3339 §5.6).
///
/// Shared by the parser and ``TOMLDateTime/init(_:)``. It matches the longest date-time that starts at the given
/// position and stops there; whatever follows is the caller's business (the parser then requires a separator).
enum DateTimeScanner {
    enum Match {
        /// No date or time starts here.
        case none
        /// A date-time, and the index just past it.
        case value(TOMLDateTime, end: Int)
        /// A date or time is written here, but names nothing real: the message, and the index it points at.
        case invalid(String, at: Int)
        /// `HH:MM` without seconds, which TOML 1.0 requires.
        case missingSeconds(at: Int)
    }

    static func scan(_ bytes: [UInt8], from start: Int) -> Match {
        if let (date, afterDate) = fullDate(bytes, at: start) {
            if let (year, month, day) = date {
                guard (1...12).contains(month) else {
                    return .invalid("month \(month) does not exist (01 to 12)", at: start &+ 5)
                }
                guard (1...daysIn(month: month, year: year)).contains(day) else {
                    return .invalid("\(digits(year, 4))-\(digits(month, 2)) has no day \(day)", at: start &+ 8)
                }
            }
            let theDate = date.map { TOMLDateTime.Date(year: $0.0, month: $0.1, day: $0.2) }
            // A time follows after `T`, `t` or one space (RFC 3339 §5.6 NOTE; TOML 1.0 allows the space).
            if let separator = byte(bytes, afterDate),
                separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
                    || separator == UInt8(ascii: " ")
            {
                switch partialTime(bytes, at: afterDate &+ 1) {
                case .time(let time, let afterTime):
                    if case .invalid(let message, let index) = check(time, at: afterDate &+ 1) {
                        return .invalid(message, at: index)
                    }
                    let (offset, end) = self.offset(bytes, at: afterTime)
                    if case .invalid(let message, let index) = offset {
                        return .invalid(message, at: index)
                    }
                    if case .minutes(let minutes) = offset {
                        return .value(TOMLDateTime(date: theDate, time: time, utcOffsetMinutes: minutes), end: end)
                    }
                    return .value(TOMLDateTime(date: theDate, time: time), end: afterTime)
                case .missingSeconds:
                    return .missingSeconds(at: afterDate &+ 1)
                case .none:
                    break
                }
            }
            return .value(TOMLDateTime(date: theDate, time: nil), end: afterDate)
        }
        switch partialTime(bytes, at: start) {
        case .time(let time, let end):
            if case .invalid(let message, let index) = check(time, at: start) { return .invalid(message, at: index) }
            return .value(TOMLDateTime(date: nil, time: time), end: end)
        case .missingSeconds:
            return .missingSeconds(at: start)
        case .none:
            return .none
        }
    }

    // MARK: - Pieces

    /// `YYYY-MM-DD`: the fields (not yet range-checked) and the index after it; `nil` if the shape does not match.
    private static func fullDate(_ bytes: [UInt8], at i: Int) -> ((Int, Int, Int)?, Int)? {
        guard let year = number(bytes, at: i, count: 4), byte(bytes, i &+ 4) == UInt8(ascii: "-"),
            let month = number(bytes, at: i &+ 5, count: 2), byte(bytes, i &+ 7) == UInt8(ascii: "-"),
            let day = number(bytes, at: i &+ 8, count: 2)
        else { return nil }
        return ((year, month, day), i &+ 10)
    }

    private enum PartialTime {
        case none
        case missingSeconds
        case time(TOMLDateTime.Time, end: Int)
    }

    /// `HH:MM:SS[.fraction]`, fields not yet range-checked.
    private static func partialTime(_ bytes: [UInt8], at i: Int) -> PartialTime {
        guard let hour = number(bytes, at: i, count: 2), byte(bytes, i &+ 2) == UInt8(ascii: ":"),
            let minute = number(bytes, at: i &+ 3, count: 2)
        else { return .none }
        guard byte(bytes, i &+ 5) == UInt8(ascii: ":"), let second = number(bytes, at: i &+ 6, count: 2) else {
            return .missingSeconds
        }
        var end = i &+ 8
        var nanosecond = 0
        if byte(bytes, end) == UInt8(ascii: "."), let first = byte(bytes, end &+ 1), isDigit(first) {
            end = end &+ 1
            var scale = 100_000_000
            while let digit = byte(bytes, end), isDigit(digit) {
                // Digits past nanoseconds are dropped: TOML 1.0 says truncate, not round.
                nanosecond = nanosecond &+ Int(digit &- UInt8(ascii: "0")) &* scale
                scale /= 10
                end = end &+ 1
            }
        }
        return .time(TOMLDateTime.Time(hour: hour, minute: minute, second: second, nanosecond: nanosecond), end: end)
    }

    private static func check(_ time: TOMLDateTime.Time, at i: Int) -> Match {
        guard time.hour <= 23 else { return .invalid("hour \(time.hour) does not exist (00 to 23)", at: i) }
        guard time.minute <= 59 else { return .invalid("minute \(time.minute) does not exist (00 to 59)", at: i &+ 3) }
        // NOTE: RFC 3339 allows a leap second (`:60`), but TOML parsers (and the date types of most languages) do
        // not: Python's tomllib, the reference we test against, refuses it.
        guard time.second <= 59 else { return .invalid("second \(time.second) does not exist (00 to 59)", at: i &+ 6) }
        return .none
    }

    private enum Offset {
        case none
        case minutes(Int)
        case invalid(String, at: Int)
    }

    /// `Z`, `z` or `±HH:MM` at `i`; anything else is no offset (the caller then sees what follows as trailing text).
    private static func offset(_ bytes: [UInt8], at i: Int) -> (Offset, Int) {
        guard let first = byte(bytes, i) else { return (.none, i) }
        if first == UInt8(ascii: "Z") || first == UInt8(ascii: "z") { return (.minutes(0), i &+ 1) }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: "-"), let hours = number(bytes, at: i &+ 1, count: 2),
            byte(bytes, i &+ 3) == UInt8(ascii: ":"), let minutes = number(bytes, at: i &+ 4, count: 2)
        else { return (.none, i) }
        guard hours <= 23, minutes <= 59 else {
            return (.invalid("UTC offset \(digits(hours, 2)):\(digits(minutes, 2)) does not exist", at: i), i)
        }
        let total = hours &* 60 &+ minutes
        return (.minutes(first == UInt8(ascii: "-") ? -total : total), i &+ 6)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Exactly `count` ASCII digits at `i` (at most 4, so no overflow), or `nil`.
    private static func number(_ bytes: [UInt8], at i: Int, count: Int) -> Int? {
        var value = 0
        for offset in 0..<count {
            guard let digit = byte(bytes, i &+ offset), isDigit(digit) else { return nil }
            value = value &* 10 &+ Int(digit &- UInt8(ascii: "0"))
        }
        return value
    }

    private static func byte(_ bytes: [UInt8], _ i: Int) -> UInt8? {
        i >= 0 && i < bytes.count ? bytes[i] : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
