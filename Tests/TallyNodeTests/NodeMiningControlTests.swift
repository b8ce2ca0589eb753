import Foundation
import TallyNode
import TallyWire
import Testing

/// Mining turned off and on in a running node (what `POST /api/mining` does): the hash rate reads
/// zero when stopped and never traps on a counter that started again from zero (it did: the samples
/// of the stopped miner made the difference negative), and a chain mined without pause waits for
/// the clock instead of making blocks too far ahead of it to be accepted.
@Suite(.serialized) struct NodeMiningControlTests {
    @Test func hashRateSurvivesStoppingAndRestarting() throws {
        let directory = try temporaryDirectory("mining-control")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = NodeConfiguration(network: .regtest, dataDirectory: directory)
        configuration.mineInterval = 0
        let node = try Node(configuration: configuration)
        node.startMining(threads: 1)
        try waitUntil("a hash rate", timeout: 10) { node.hashRate() > 0 }
        node.stopMining()
        #expect(node.hashRate() == 0)
        #expect(!node.isMining && node.miningThreads == 0)
        node.startMining(threads: 1)
        #expect(node.miningThreads == 1)
        // The new miner's count starts below the old one's last sample.
        for _ in 0..<5 {
            _ = node.hashRate()
            Thread.sleep(forTimeInterval: 0.2)
        }
        try waitUntil("a hash rate again", timeout: 10) { node.hashRate() > 0 }
        let tipTime = node.sync { state in state.chain.tip.header.time }
        node.stopMining()
        #expect(UInt64(tipTime) <= UInt64(Node.now()) + UInt64(Network.regtest.parameters.maximumFutureBlockTime))
    }

    /// `startMining(blocks:)` (what `POST /api/mining` with `blocks` does): exactly that many blocks,
    /// even with two workers racing (a block one finds after the last is dropped), then the miner
    /// stops by itself.
    @Test func miningACountOfBlocksStopsAfterExactlyThatMany() throws {
        let directory = try temporaryDirectory("mining-count")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = NodeConfiguration(network: .regtest, dataDirectory: directory)
        configuration.mineInterval = 0
        let node = try Node(configuration: configuration)
        node.startMining(threads: 2, blocks: 3)
        // The miner stops once it has found the third block, which may still be on its way into
        // the chain: wait for both, then make sure no fourth follows.
        try waitUntil("the miner stopping by itself", timeout: 30) { !node.isMining }
        try waitUntil("three blocks", timeout: 10) { node.sync { $0.chain.height } >= 3 }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(node.sync { $0.chain.height } == 3)
        #expect(node.miningThreads == 0 && node.hashRate() == 0)
        node.startMining(threads: 1, blocks: 1)
        try waitUntil("the miner stopping again", timeout: 30) { !node.isMining }
        try waitUntil("one more block", timeout: 10) { node.sync { $0.chain.height } >= 4 }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(node.sync { $0.chain.height } == 4)
    }
}
