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

    @Test func theFirstChoiceIsOneAndGivesWayFirst() {
        var selection = HighBandwidthPeers(capacity: 2)
        let first = selection.chooseFirst(7)
        let second = selection.chooseFirst(8)
        #expect(first && !second)
        #expect(selection.peers == [7])
        #expect(selection.deliveredFirst(by: 1) == (1, nil))
        #expect(selection.peers == [1, 7])
        // Chosen before anyone delivered a block: the first to give way.
        #expect(selection.deliveredFirst(by: 2) == (2, 7))
        var none = HighBandwidthPeers(capacity: 0)
        let chosen = none.chooseFirst(7)
        #expect(!chosen && none.peers.isEmpty)
    }

    @Test func noCapacityChoosesNobody() {
        var selection = HighBandwidthPeers(capacity: 0)
        #expect(selection.deliveredFirst(by: 1) == (nil, nil))
        #expect(selection.peers.isEmpty)
    }
}
