import TallyNet
import Testing

@Suite struct HighBandwidthPeersTests {
    @Test func theFastestDeliverersAreKeptAndTheOldestGivesWay() {
        var selection = HighBandwidthPeers(capacity: 2)
        #expect(selection.deliveredFirst(by: 1) == (1, nil))
        #expect(selection.deliveredFirst(by: 2) == (2, nil))
        // Already chosen: moves to the front, nobody is told anything.
        #expect(selection.deliveredFirst(by: 1) == (nil, nil))
        #expect(selection.peers == [1, 2])
        // Full: peer 2, chosen longest ago, gives way.
        #expect(selection.deliveredFirst(by: 3) == (3, 2))
        #expect(selection.peers == [3, 1])
        selection.remove(3)
        #expect(!selection.contains(3) && selection.contains(1))
        #expect(selection.deliveredFirst(by: 4) == (4, nil))
    }

    @Test func noCapacityChoosesNobody() {
        var selection = HighBandwidthPeers(capacity: 0)
        #expect(selection.deliveredFirst(by: 1) == (nil, nil))
        #expect(selection.peers.isEmpty)
    }
}
