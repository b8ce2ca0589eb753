import Foundation
import TallyCrypto
import TallyNet
import TallyWire
import Testing

@Suite struct RelayTests {
    static func hash(_ n: Int) -> Hash256 { Hash256(w0: UInt64(n), w1: 1, w2: 2, w3: 3) }

    func relay(peers: [Int] = [1, 2]) -> Relay {
        var relay = Relay(inventoryRate: 10, inventoryBurst: 100)
        for peer in peers { relay.add(peer) }
        return relay
    }

    @Test func nothingIsAnnouncedTwiceNorToWhoeverSentIt() {
        var relay = relay()
        relay.learn(1, RelayTests.hash(1))
        relay.queueTransactions([RelayTests.hash(1), RelayTests.hash(2)], for: [1, 2])
        #expect(relay.peersWithPendingTransactions == [1, 2])
        let outcome1 = relay.flushTransactions(for: 1)
        #expect(outcome1 == [[RelayTests.hash(2)]])
        let outcome2 = relay.flushTransactions(for: 2)
        #expect(outcome2 == [[RelayTests.hash(1), RelayTests.hash(2)]])
        relay.queueTransactions([RelayTests.hash(2)], for: [1, 2])
        let outcome3 = relay.flushTransactions(for: 1)
        #expect(outcome3.isEmpty && relay.flushTransactions(for: 2).isEmpty)
    }

    @Test func aBurstOfTransactionsIsAFewMessages() {
        var relay = relay(peers: [1])
        let txids = (0..<120_000).map(RelayTests.hash)
        relay.queueTransactions(txids, for: [1])
        let chunks = relay.flushTransactions(for: 1)
        #expect(chunks.count == 3 && chunks.allSatisfy { $0.count <= InvMessage.maximumCount })
        #expect(chunks.flatMap { $0 } == txids)
    }

    @Test func blockAnnouncementsCarryTheLastFewUnknownHeaders() {
        var relay = relay()
        let headers = (0..<10).map {
            BlockHeader(
                version: 1, previousBlockHash: RelayTests.hash($0), merkleRoot: .zero, time: 0, bits: 0, nonce: 0)
        }
        relay.learn(2, headers[9].hash)
        let announcements = relay.blockAnnouncements(headers, to: [1, 2])
        #expect(announcements[1] == Array(headers.suffix(8)))
        #expect(announcements[2] == Array(headers[2..<9]))
        let outcome4 = relay.blockAnnouncements(headers, to: [1, 2])
        #expect(outcome4.isEmpty)
    }

    @Test func theInventoryBudgetRefills() {
        var relay = relay(peers: [1])
        let start = Date()
        relay.add(1, now: start)
        let outcome5 = relay.spendInventoryBudget(1, 100, now: start)
        #expect(outcome5)
        let outcome6 = relay.spendInventoryBudget(1, 1, now: start)
        #expect(!outcome6)
        let outcome7 = relay.spendInventoryBudget(1, 10, now: start.addingTimeInterval(1))
        #expect(outcome7)
    }

    @Test func requestsAreServedInRunsOfOneKind() {
        var relay = relay(peers: [1])
        let items = (0..<10).map { InventoryVector.block(RelayTests.hash($0)) } + [.transaction(RelayTests.hash(99))]
        let outcome8 = relay.request(items, from: 1)
        #expect(outcome8)
        let first = relay.nextRun(for: 1)
        #expect(first?.count == 8)
        #expect(relay.nextRun(for: 1) == nil)  // one run at a time
        relay.finishedRun(for: 1)
        let outcome9 = relay.nextRun(for: 1)
        #expect(outcome9?.count == 2)
        relay.finishedRun(for: 1)
        let outcome10 = relay.nextRun(for: 1)
        #expect(outcome10 == [.transaction(RelayTests.hash(99))])
        relay.finishedRun(for: 1)
        let outcome11 = relay.nextRun(for: 1)
        #expect(outcome11 == nil)
    }

    @Test func whatARunCouldNotHoldIsServedNext() {
        var relay = relay(peers: [1])
        let items = (0..<5).map { InventoryVector.transaction(RelayTests.hash($0)) }
        let queued = relay.request(items, from: 1)
        #expect(queued)
        let run = relay.nextRun(for: 1)!
        // The run reached its size limit after two items: the other three go first next time.
        relay.finishedRun(for: 1, unserved: Array(run.dropFirst(2)))
        let next = relay.nextRun(for: 1)
        #expect(next == Array(items.dropFirst(2)))
    }

    @Test func aQueueBeyondOneMessageIsRefused() {
        var relay = relay(peers: [1])
        let many = (0..<InvMessage.maximumCount).map { InventoryVector.transaction(RelayTests.hash($0)) }
        let outcome12 = relay.request(many, from: 1)
        #expect(outcome12)
        let outcome13 = relay.request([.transaction(RelayTests.hash(-1 & 0xffff))], from: 1)
        #expect(!outcome13)
    }
}

@Suite struct TransactionRequestTests {
    static func relay(peers: [Int]) -> Relay {
        var relay = Relay(inventoryRate: 5_000, inventoryBurst: 50_000)
        for peer in peers { relay.add(peer) }
        return relay
    }

    @Test func aTransactionIsAskedOfOnePeerThenOfTheNextAnnouncerIfItDoesNotCome() {
        var relay = Self.relay(peers: [1, 2, 3])
        let start = Date()
        let a = RelayTests.hash(1)
        let b = RelayTests.hash(2)
        let first = relay.claimTransactionRequests([a, b], from: 1, now: start)
        #expect(first == [a, b])
        // Announced again by others: not asked again, remembered.
        let second = relay.claimTransactionRequests([a, b], from: 2, now: start)
        #expect(second.isEmpty)
        let third = relay.claimTransactionRequests([a], from: 3, now: start)
        #expect(third.isEmpty)
        relay.transactionArrived(b)
        // Within the timeout nothing moves; after it, `a` goes to peer 2, then to peer 3.
        #expect(relay.reassignTransactionRequests(now: start.addingTimeInterval(1)).isEmpty)
        let retry = relay.reassignTransactionRequests(now: start.addingTimeInterval(3))
        #expect(retry == [2: [a]])
        relay.transactionsNotFound([a], from: 2)
        let last = relay.reassignTransactionRequests(now: start.addingTimeInterval(3.5))
        #expect(last == [3: [a]])
        // Nobody else announced it: forgotten, so a later announcement asks at once.
        relay.remove(3)
        #expect(relay.reassignTransactionRequests(now: start.addingTimeInterval(4)).isEmpty)
        let again = relay.claimTransactionRequests([a], from: 1, now: start.addingTimeInterval(5))
        #expect(again == [a])
    }
}
