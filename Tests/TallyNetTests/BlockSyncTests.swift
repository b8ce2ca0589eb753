import Foundation
import TallyCrypto
import TallyNet
import Testing

/// Which block is asked of whom, without sockets.
@Suite struct BlockSyncTests {
    let blocks = (1...100).map { (hash: Hash256(w0: UInt64($0), w1: 0, w2: 0, w3: 0), height: UInt32($0)) }

    func sync() -> BlockSync { BlockSync(stallTimeout: 10, lowWorkHeaderAllowance: 4_000) }

    /// Two peers at height 40; block 0 asked of peer 1.
    func blockZeroAskedOfPeerOne() -> BlockSync {
        var sync = sync()
        sync.add(1, bestHeight: 40)
        sync.add(2, bestHeight: 40)
        _ = sync.beginRound()
        _ = sync.finishRound(missing: [blocks[0]], ready: [1])
        return sync
    }

    @Test func blocksGoToPeersWhoseChainReachesThem() {
        var sync = sync()
        sync.add(1, bestHeight: 10)
        sync.add(2, bestHeight: 100)
        let outcome1 = sync.beginRound()
        #expect(outcome1)
        let outcome2 = sync.beginRound()
        #expect(!outcome2)
        let requests = sync.finishRound(missing: blocks, ready: [1, 2])
        // Lowest first, round robin over those that can serve, 64 per peer at most.
        #expect(requests[1]?.count == 5)
        #expect(requests[1]?.allSatisfy { hash in blocks.first { $0.hash == hash }!.height <= 10 } == true)
        #expect(requests[2]?.count == 64)
        #expect(sync.inFlightCount == 69)
        let outcome3 = sync.blockArrived(blocks[0].hash)
        #expect(outcome3)
        let outcome4 = sync.blockArrived(blocks[0].hash)
        #expect(!outcome4)
    }

    @Test func peersThatAreNotReadyOrUnknownGetNothing() {
        var sync = sync()
        sync.add(1, bestHeight: 40)
        _ = sync.beginRound()
        let outcome5 = sync.finishRound(missing: blocks, ready: [2])
        #expect(outcome5.isEmpty)
        #expect(!sync.roundPending)
    }

    @Test func aStallingPeerLosesItsRequestsAndIsSkippedForAWhile() {
        var sync = sync()
        sync.add(1, bestHeight: 40)
        sync.add(2, bestHeight: 40)
        let start = Date()
        _ = sync.beginRound()
        let first = sync.finishRound(missing: Array(blocks.prefix(2)), ready: [1], now: start)
        #expect(first[1]?.count == 2)
        let outcome6 = sync.stalledPeers(now: start.addingTimeInterval(5))
        #expect(outcome6.isEmpty)
        let outcome7 = sync.stalledPeers(now: start.addingTimeInterval(11))
        #expect(outcome7 == [1])
        _ = sync.beginRound()
        let again = sync.finishRound(
            missing: Array(blocks.prefix(2)), ready: [1, 2], now: start.addingTimeInterval(12))
        #expect(again[1] == nil && again[2]?.count == 2)
    }

    @Test func theOnlyPeerIsAskedAgainAtOnceAfterStalling() {
        var sync = sync()
        sync.add(1, bestHeight: 40)
        let start = Date()
        _ = sync.beginRound()
        _ = sync.finishRound(missing: Array(blocks.prefix(2)), ready: [1], now: start)
        let stalled = sync.stalledPeers(now: start.addingTimeInterval(11))
        #expect(stalled == [1])
        _ = sync.beginRound()
        let again = sync.finishRound(
            missing: Array(blocks.prefix(2)), ready: [1], now: start.addingTimeInterval(12))
        #expect(again[1]?.count == 2)
    }

    /// The round's look-up of the missing blocks runs off the loop: a block that arrives meanwhile
    /// may still be among them, and must not be asked for a second time.
    @Test func aBlockArrivingDuringARoundIsNotAskedForAgain() {
        var sync = sync()
        sync.add(1, bestHeight: 100)
        _ = sync.beginRound()
        _ = sync.finishRound(missing: Array(blocks.prefix(2)), ready: [1])
        // Block 0 arrives and is still being processed; block 1 arrives and is done while the next
        // round looks up what is missing, which still lists both.
        let asked = [sync.blockArrived(blocks[0].hash), sync.blockArrived(blocks[1].hash)]
        #expect(asked == [true, true])
        _ = sync.beginRound()
        sync.blockProcessed(blocks[1].hash)
        let round = sync.finishRound(missing: Array(blocks.prefix(4)), ready: [1])
        #expect(round[1] == [blocks[2].hash, blocks[3].hash])
        // The next round's look-up sees block 1 stored; block 0, once processed and still missing
        // (refused, say), may be asked for again.
        sync.blockProcessed(blocks[0].hash)
        _ = sync.beginRound()
        let next = sync.finishRound(missing: [blocks[0]], ready: [1])
        #expect(next[1] == [blocks[0].hash])
    }

    @Test func aRequestThatEndsWithoutItsBlockIsReleased() {
        var sync = blockZeroAskedOfPeerOne()
        sync.requestEnded(blocks[0].hash, of: 2)
        #expect(sync.isInFlight(blocks[0].hash))
        sync.requestEnded(blocks[0].hash, of: 1)
        #expect(!sync.isInFlight(blocks[0].hash))
    }

    @Test func aBlockThePeerLacksIsNeverAskedOfItAgain() {
        var sync = blockZeroAskedOfPeerOne()
        sync.notFound([blocks[0].hash], from: 1)
        _ = sync.beginRound()
        let outcome8 = sync.finishRound(missing: [blocks[0]], ready: [1])
        #expect(outcome8.isEmpty)
        _ = sync.beginRound()
        let outcome9 = sync.finishRound(missing: [blocks[0]], ready: [1, 2])
        #expect(outcome9 == [2: [blocks[0].hash]])
    }

    @Test func aDisconnectedPeerReleasesItsRequests() {
        var sync = sync()
        sync.add(1, bestHeight: 100)
        _ = sync.beginRound()
        _ = sync.finishRound(missing: blocks, ready: [1])
        #expect(sync.inFlightCount == 64)
        sync.remove(1, host: "127.0.0.9")
        #expect(sync.inFlightCount == 0)
    }

    @Test func lowWorkHeadersArePenalisedPerAllowance() {
        var sync = sync()
        sync.add(1, bestHeight: 0)
        let outcome10 = sync.countLowWorkHeaders(2_000, from: "127.0.0.9")
        #expect(!outcome10)
        let outcome11 = sync.countLowWorkHeaders(2_000, from: "127.0.0.9")
        #expect(!outcome11)
        let outcome12 = sync.countLowWorkHeaders(1, from: "127.0.0.9")
        #expect(outcome12)
        let outcome13 = sync.countLowWorkHeaders(3_999, from: "127.0.0.9")
        #expect(!outcome13)
        // The count is the host's: a new connection from it goes on from there, another host's does not.
        sync.remove(1, host: "127.0.0.9")
        sync.add(2, bestHeight: 0)
        let step1 = sync.countLowWorkHeaders(2, from: "127.0.0.9")
        #expect(step1)
        let step2 = sync.countLowWorkHeaders(3_999, from: "127.0.0.10")
        #expect(!step2)
    }

    @Test func aPeerLeavingWhileItsChainIsCountedCountsItsHeadersAgainstItsHost() {
        var sync = sync()
        sync.add(1, bestHeight: 0)
        sync.setPresync(
            HeaderPresync(forkParent: blocks[0].hash, work: .zero, headers: 2_000, end: blocks[1].hash), of: 1)
        sync.remove(1, host: "127.0.0.9")
        let step3 = sync.countLowWorkHeaders(2_000, from: "127.0.0.9")
        #expect(!step3)
        let step4 = sync.countLowWorkHeaders(1, from: "127.0.0.9")
        #expect(step4)
    }

    @Test func bestHeightsOnlyRise() {
        var sync = sync()
        sync.add(1, bestHeight: 10)
        sync.peer(1, reached: 5)
        #expect(sync.bestHeight(of: 1) == 10)
        sync.peer(1, reached: 12)
        #expect(sync.bestHeight(of: 1) == 12)
    }
}
