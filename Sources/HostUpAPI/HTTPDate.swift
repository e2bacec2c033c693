/// An HTTP-date (RFC 9110 §5.6.7) as seconds since the Unix epoch.
///
/// Accepts the three forms a recipient must accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete
/// RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`; a two-digit year below 70 is taken as 20xx) and ANSI C's
/// asctime() form (`Sun Nov  6 08:49:37 1994`). Pure: no Foundation formatter, no locale.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses `text`.
    ///
    /// - Returns: Seconds since 1970-01-01T00:00:00Z, or `nil` when `text` is not an HTTP-date.
    static func secondsSinceEpoch(_ text: String) -> Int64? {
        let tokens = text.split { $0 == " " || $0 == "," || $0 == "-" || $0 == "\t" }.map(String.init)
        let day: String
        let month: String
        var year: String
        let time: String
        switch tokens.count {
        case 6 where tokens[5] == "GMT":
            (day, month, year, time) = (tokens[1], tokens[2], tokens[3], tokens[4])
        case 5:
            (month, day, time, year) = (tokens[1], tokens[2], tokens[3], tokens[4])
        default:
            return nil
        }
        guard let monthIndex = months.firstIndex(of: month), day.count <= 2, year.count == 2 || year.count == 4
        else { return nil }
        if year.count == 2 {
            guard let short = Int(year) else { return nil }
            year = String(short < 70 ? 2000 + short : 1900 + short)
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let y = Int64(year), let d = Int64(day), let hour = Int64(clock[0]), let minute = Int64(clock[1]),
            let second = Int64(clock[2]),
            (1...31).contains(d), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysSinceEpoch(year: y, month: Int64(monthIndex + 1), day: d)
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
