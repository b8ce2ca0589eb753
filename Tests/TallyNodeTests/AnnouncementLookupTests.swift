import Foundation
import TallyChain
import TallyCrypto
import TallyNode
import TallyWire
import Testing

/// What an `inv` is worth asking for (`Node.unknown`): a transaction is known if the mempool holds it
/// or its first output is unspent, found in the coins cache or, outside the node's lock, in the
/// store; an announcement never adds to the cache.
@Suite(.serialized) struct AnnouncementLookupTests {
    @Test func confirmedTransactionsAreKnownFromTheCacheAndFromTheStore() throws {
        let directory = try temporaryDirectory("announcement-lookup")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = NodeConfiguration(network: .regtest, dataDirectory: directory)
        configuration.mineInterval = 0
        let node = try Node(configuration: configuration)
        node.startMining(threads: 1, blocks: 2)
        try waitUntil("two blocks", timeout: 30) { node.sync { $0.chain.height } >= 2 }
        let (tipHash, coinbase) = try node.sync { state in
            (state.chain.tip.hash, try #require(try state.chain.block(state.chain.tip.hash)).transactions[0].txid)
        }
        let stranger = Hash256(w0: 1, w1: 2, w2: 3, w3: 4)
        let strangerOutpoint = OutPoint(txid: stranger, index: 0)

        // The coinbase's output is in the cache (created by its block, not written yet).
        #expect(node.sync { $0.chain.cachedCoin(OutPoint(txid: coinbase, index: 0)) } != nil)
        var unknown = node.unknown(blocks: [tipHash, stranger], transactions: [stranger, coinbase])
        #expect(unknown.blocks == [stranger])
        #expect(unknown.transactions == [stranger])
        #expect(node.sync { $0.chain.cachedCoin(strangerOutpoint) } == nil)

        // Written out: the cache is empty, the store answers.
        try node.sync { try $0.chain.flushCoins() }
        #expect(node.sync { $0.chain.cachedCoin(OutPoint(txid: coinbase, index: 0)) } == nil)
        unknown = node.unknown(blocks: [], transactions: [coinbase, stranger])
        #expect(unknown.transactions == [stranger])
        #expect(node.sync { $0.chain.cachedCoin(strangerOutpoint) } == nil)
        #expect(node.sync { $0.chain.cachedCoin(OutPoint(txid: coinbase, index: 0)) } == nil)
    }
}
