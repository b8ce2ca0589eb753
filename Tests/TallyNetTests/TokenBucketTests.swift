import Foundation
import Testing

@testable import TallyNet

struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    @Test func aBurstThenTheRate() {
        var bucket = TokenBucket(rate: 100, burst: 200, now: start)
        let taken = [
            bucket.take(200, now: at(0)), bucket.take(1, now: at(0)),
            bucket.take(50, now: at(0.5)), bucket.take(1, now: at(0.5)),
        ]
        #expect(taken == [true, false, true, false])
    }

    @Test func theWaitIsForWhatIsMissingAndTakesNothing() {
        var bucket = TokenBucket(rate: 100, burst: 200, now: start)
        let full = bucket.wait(for: 1, now: at(0))
        let emptied = bucket.take(200, now: at(0))
        let oneMissing = bucket.wait(for: 1, now: at(0))
        let fiveMissing = bucket.wait(for: 30, now: at(0.25))
        // Asking how long took nothing: the 25 units there are still there.
        let twentyFiveThere = bucket.take(25, now: at(0.25))
        #expect(full == 0 && emptied && twentyFiveThere)
        #expect(abs(oneMissing - 0.01) < 1e-9 && abs(fiveMissing - 0.05) < 1e-9)
    }

    @Test func savingStopsAtTheBurst() {
        var bucket = TokenBucket(rate: 100, burst: 200, now: start)
        let tooMany = bucket.take(201, now: at(3_600))
        let theBurst = bucket.take(200, now: at(3_600))
        #expect(!tooMany && theBurst)
    }
}
