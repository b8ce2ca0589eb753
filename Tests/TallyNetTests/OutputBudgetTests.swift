import TallyCrypto
import TallyWire
import Testing

@testable import TallyNet

@Suite struct OutputBudgetTests {
    @Test func smallWritesAreChargedTheirPerWriteCost() {
        var budget = OutputBudget(limit: 100 * OutputBudget.perWriteCost, resumeAt: 10 * OutputBudget.perWriteCost)
        // 32-byte pongs: the bytes alone (3 KB) would never reach the limit; the writes do.
        var spentAfter = 0
        for write in 1...200 where budget.charge(32) {
            spentAfter = write
            break
        }
        #expect(spentAfter > 0 && spentAfter < 100)
        #expect(!budget.hasRoom)
        #expect(budget.cost == spentAfter * (32 + OutputBudget.perWriteCost))
    }

    @Test func roomReturnsOnlyBelowTheResumeLevel() {
        var budget = OutputBudget(limit: 20_000, resumeAt: 12_000)
        let first = budget.charge(9_000)
        #expect(!first)
        let second = budget.charge(9_000)
        #expect(second)
        let third = budget.charge(1)
        #expect(!third)  // already spent: reported once
        let partly = budget.release(1)
        #expect(!partly)  // 18,000 bytes and two writes: still above 12,000
        #expect(!budget.hasRoom)
        let back = budget.release(9_000)
        #expect(back)
        #expect(budget.hasRoom)
        let again = budget.release(9_000)
        #expect(!again)  // already back
        #expect(budget.cost == 0)
    }

    @Test func releasesNeverGoBelowZero() {
        var budget = OutputBudget()
        let released = budget.release(1_000)
        #expect(!released)
        #expect(budget.queuedBytes == 0 && budget.queuedWrites == 0 && budget.hasRoom)
    }
}

@Suite struct AnswerQueueTests {
    @Test func oneAnswerAtATimeInTheOrderAsked() {
        var queue = AnswerQueue()
        var next: AnswerQueue.Request?
        queue.add(.addresses)
        queue.add(.mempool)
        #expect(queue.waitingCount == 2)
        next = queue.next()
        #expect(next == .addresses)
        next = queue.next()
        #expect(next == nil)  // the first is still being answered
        #expect(queue.waitingCount == 1)
        queue.finished()
        next = queue.next()
        #expect(next == .mempool)
        queue.finished()
        next = queue.next()
        #expect(next == nil && queue.waitingCount == 0)
    }

    @Test func theRestOfALongAnswerGoesBeforeAnythingElse() {
        var queue = AnswerQueue()
        var next: AnswerQueue.Request?
        queue.add(.mempool)
        queue.add(.addresses)
        next = queue.next()
        #expect(next == .mempool)
        let rest = [Hash256](repeating: .zero, count: 3)[1...]
        queue.finished(rest: .mempoolRest(rest))
        next = queue.next()
        #expect(next == .mempoolRest(rest))
        queue.finished()
        next = queue.next()
        #expect(next == .addresses)
    }

    @Test func aLongQueueKeepsOnlyWhatWaits() {
        var queue = AnswerQueue()
        var next: AnswerQueue.Request?
        for _ in 0..<1_000 { queue.add(.addresses) }
        for _ in 0..<999 {
            next = queue.next()
            #expect(next == .addresses)
            queue.finished()
        }
        #expect(queue.waitingCount == 1)
    }
}
