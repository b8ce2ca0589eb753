import Foundation
import TallyCrypto
import TallyNet
import Testing

/// The download window's bookkeeping, without sockets.
@Suite struct BlockDownloadsTests {
    let blocks = (1...4).map { (hash: Hash256(w0: UInt64($0), w1: 0, w2: 0, w3: 0), height: UInt32($0)) }

    @Test func aBlockThePeerLacksGoesToAnotherAtOnceAndNeverBack() {
        var downloads = BlockDownloads<Int>(perPeer: 16, total: 128, stallTimeout: 10)
        let first = downloads.schedule(wanted: blocks, peers: [(peer: 1, bestHeight: 4)])
        #expect(first[1]?.count == 4)
        // Peer 1 answers notfound for block 2: released now, not at the stall timeout…
        downloads.notFound(blocks[1].hash, from: 1)
        #expect(!downloads.isInFlight(blocks[1].hash) && downloads.requests(of: 1) == 3)
        // …and scheduled on peer 2, never again on peer 1.
        let again = downloads.schedule(wanted: blocks, peers: [(peer: 1, bestHeight: 4), (peer: 2, bestHeight: 4)]) {
            peer, hash in
            !(peer == 1 && hash == blocks[1].hash)
        }
        #expect(again == [2: [blocks[1].hash]])
        // A notfound from a peer the block was not asked of changes nothing.
        downloads.notFound(blocks[0].hash, from: 2)
        #expect(downloads.isInFlight(blocks[0].hash))
    }

    @Test func stalledRequestsAreReleased() {
        var downloads = BlockDownloads<Int>(perPeer: 2, total: 128, stallTimeout: 10)
        let start = Date()
        // Round robin over the peers whose chain reaches each height, two each at most.
        let asked = downloads.schedule(
            wanted: blocks, peers: [(peer: 1, bestHeight: 4), (peer: 2, bestHeight: 4)], now: start)
        #expect(asked == [1: [blocks[0].hash, blocks[2].hash], 2: [blocks[1].hash, blocks[3].hash]])
        #expect(downloads.stalledPeers(now: start.addingTimeInterval(5)).isEmpty)
        #expect(Set(downloads.stalledPeers(now: start.addingTimeInterval(11))) == [1, 2])
        #expect(downloads.inFlightCount == 0)
    }
}
