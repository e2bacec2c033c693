import TOMLParsing
import Testing

@Suite struct TOMLDateTimeTests {
    @Test(arguments: [
        ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00Z"),
        ("1979-05-27t07:32:00z", "1979-05-27T07:32:00Z"),
        ("1979-05-27 07:32:00+00:00", "1979-05-27T07:32:00Z"),
        ("1979-05-27T00:32:00.6-07:00", "1979-05-27T00:32:00.600-07:00"),
        ("1979-05-27T00:32:00.000001", "1979-05-27T00:32:00.000001"),
        ("1979-05-27T00:32:00.1234567891", "1979-05-27T00:32:00.123456789"),
        ("2000-02-29", "2000-02-29"),
        ("0000-01-01", "0000-01-01"),
        ("23:59:59", "23:59:59"),
    ])
    func readsAndWritesRFC3339(_ text: String, _ canonical: String) throws {
        let value = try #require(TOMLDateTime(text))
        #expect(value.description == canonical)
        #expect(TOMLDateTime(canonical) == value)
    }

    @Test(arguments: [
        "1900-02-29", "2021-04-31", "2021-13-01", "2021-00-10", "24:00:00", "12:60:00", "12:00:60", "1979-05-27T07:32",
        "1979-05-27T07:32:00+24:00", "1979-05-27 ", "79-05-27", "", "1979-05-27T07:32:00Zjunk",
    ])
    func refusesWhatIsNotADateTime(_ text: String) {
        #expect(TOMLDateTime(text) == nil)
    }
}
