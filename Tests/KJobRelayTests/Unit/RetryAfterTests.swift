import Foundation
import KJobRelay
import Testing

@Suite("RetryAfter")
struct RetryAfterTests {
    let now = Fixtures.t0

    @Test func seconds() {
        #expect(RetryAfter.delay("120", now: now) == 120)
        #expect(RetryAfter.delay(" 0 ", now: now) == 0)
    }

    @Test("IMF-fixdate, RFC 850 and asctime forms")
    func dates() {
        #expect(RetryAfter.delay("Fri, 15 Jan 2027 08:01:30 GMT", now: now) == 90)
        #expect(RetryAfter.delay("Friday, 15-Jan-27 08:01:30 GMT", now: now) == 90)
        #expect(RetryAfter.delay("Fri Jan 15 08:01:30 2027", now: now) == 90)
    }

    @Test("a date in the past means now")
    func past() {
        #expect(RetryAfter.delay("Thu, 14 Jan 2027 08:00:00 GMT", now: now) == 0)
    }

    @Test("absent or garbage is ignored", arguments: [nil, "", "soon", "-5", "1.5", "99999999999999999999"])
    func garbage(header: String?) {
        #expect(RetryAfter.delay(header, now: now) == nil)
    }
}
