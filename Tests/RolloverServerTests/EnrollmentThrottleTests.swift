import Foundation
import Testing
@testable import RolloverServer

@Suite("Enrollment throttle")
struct EnrollmentThrottleTests {
    @Test("one address enrolls 120 at once and 2 a second after that; other addresses are not held back by it; one secret 1,200 at once")
    func enrollmentsAreRateLimited() {
        let throttle = EnrollmentThrottle()
        let start = ContinuousClock.now
        for _ in 0..<120 { #expect(throttle.admit(address: "192.0.2.1", secretSHA256: "a", now: start) == nil) }
        let wait = throttle.admit(address: "192.0.2.1", secretSHA256: "a", now: start)
        #expect(wait != nil && wait! > 0 && wait! <= 0.5, "\(String(describing: wait))")
        #expect(throttle.admit(address: "192.0.2.2", secretSHA256: "a", now: start) == nil)
        let later = start + .seconds(1)
        #expect(throttle.admit(address: "192.0.2.1", secretSHA256: "a", now: later) == nil)
        #expect(throttle.admit(address: "192.0.2.1", secretSHA256: "a", now: later) == nil)
        #expect(throttle.admit(address: "192.0.2.1", secretSHA256: "a", now: later) != nil)

        let secret = EnrollmentThrottle()
        var admitted = 0
        for index in 0..<1300 where secret.admit(address: "198.51.100.\(index % 250)", secretSHA256: "b", now: start) == nil { admitted += 1 }
        #expect(admitted == 1200)
    }
}
