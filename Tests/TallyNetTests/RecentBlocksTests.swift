import TallyNet
import TallyTestSupport
import TallyWire
import Testing

@Suite struct RecentBlocksTests {
    @Test func theNewestAreKeptAndTheOldestGiveWay() throws {
        let t = try TestChain()
        let blocks = try t.mine(3)
        var recent = RecentBlocks(capacity: 2)
        for block in blocks { recent.add(block) }
        recent.add(blocks[2])  // already there: nothing moves
        #expect(recent[blocks[0].hash] == nil)
        #expect(recent[blocks[1].hash] == blocks[1])
        #expect(recent[blocks[2].hash] == blocks[2])
    }
}
