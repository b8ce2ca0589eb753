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

    @Test func theStartingChoicesAreTwoAndGiveWayFirst() {
        var selection = HighBandwidthPeers(capacity: 3)
        let chosen = [7, 8, 9].map { selection.chooseAtStart($0) }
        #expect(chosen == [true, true, false])
        #expect(selection.peers == [7, 8])
        #expect(selection.deliveredFirst(by: 1) == (1, nil))
        #expect(selection.peers == [1, 7, 8])
        // Chosen before anyone delivered a block: the first to give way, the last chosen first.
        #expect(selection.deliveredFirst(by: 2) == (2, 8))
        #expect(selection.deliveredFirst(by: 3) == (3, 7))
        // Once a block was delivered first, nobody is chosen unearned, even with room.
        selection.remove(3)
        let late = selection.chooseAtStart(10)
        #expect(!late && selection.peers == [2, 1])
        // Every peer chosen gone: the next outbound peers are chosen as at the start.
        selection.remove(2)
        selection.remove(1)
        let again = [11, 12, 13].map { selection.chooseAtStart($0) }
        #expect(again == [true, true, false] && selection.peers == [11, 12])
        var one = HighBandwidthPeers(capacity: 1)
        #expect([7, 8].map { one.chooseAtStart($0) } == [true, false])
        var none = HighBandwidthPeers(capacity: 0)
        let any = none.chooseAtStart(7)
        #expect(!any && none.peers.isEmpty)
    }

    @Test func noCapacityChoosesNobody() {
        var selection = HighBandwidthPeers(capacity: 0)
        #expect(selection.deliveredFirst(by: 1) == (nil, nil))
        #expect(selection.peers.isEmpty)
    }
}
