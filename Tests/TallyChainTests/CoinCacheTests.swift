import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

@testable import TallyChain

@Suite struct CoinCacheTests {
    static func coin(_ n: UInt64, height: UInt32 = 1) -> Coin {
        Coin(
            output: TxOutput(amount: n, address: TestChain.address(TestChain.key(1))), height: height, isCoinbase: false
        )
    }

    static func outpoint(_ n: Int) -> OutPoint {
        OutPoint(txid: Hash256(w0: UInt64(n), w1: 7, w2: 7, w3: 7), index: UInt32(n % 3))
    }

    /// Random blocks spend and create coins; reads and flushes come in between. The store plus the
    /// cache always answer what a plain in-memory UTXO set answers, and a final flush leaves the
    /// store equal to it.
    @Test(arguments: 0..<5)
    func storeAndCacheTogetherMatchAPlainSet(round: Int) {
        var random = SystemRandomNumberGenerator()
        var store: [OutPoint: Coin] = [:]
        var reference: [OutPoint: Coin] = [:]
        var cache = CoinCache()
        var next = 0
        var seen = Set<OutPoint>()
        func view(_ outpoint: OutPoint) -> Coin? {
            if let cached = cache.lookup(outpoint) { return cached }
            return store[outpoint]
        }
        for _ in 0..<300 {
            var connection = BlockConnection()
            for outpoint in reference.keys.shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random)) {
                connection.spent.append((outpoint, reference[outpoint]!))
            }
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                next += 1
                connection.created.append((Self.outpoint(next), Self.coin(UInt64(next))))
            }
            for (outpoint, _) in connection.spent { reference[outpoint] = nil }
            for (outpoint, coin) in connection.created { reference[outpoint] = coin }
            cache.apply(connection)
            seen.formUnion(connection.created.map(\.0))
            // A read of the store, as a mempool look-up does, of a live or a gone coin.
            if let probe = seen.randomElement(using: &random) { cache.remember(probe, store[probe]) }
            if Int.random(in: 0..<10, using: &random) == 0 {
                for (outpoint, coin) in cache.changes { store[outpoint] = coin }
                cache.flushed()
                #expect(cache.count == 0)
            }
            #expect(seen.allSatisfy { view($0) == reference[$0] })
        }
        for (outpoint, coin) in cache.changes { store[outpoint] = coin }
        #expect(store == reference)
    }

    @Test func aCoinCreatedAndSpentBetweenFlushesIsNeverWritten() {
        var cache = CoinCache()
        let made = BlockConnection(created: [(Self.outpoint(1), Self.coin(1)), (Self.outpoint(2), Self.coin(2))])
        cache.apply(made)
        cache.apply(BlockConnection(spent: [(Self.outpoint(1), Self.coin(1))]))
        #expect(cache.changes.map(\.0) == [Self.outpoint(2)])
        // A coin of the store, spent: its deletion is written.
        cache.remember(Self.outpoint(3), Self.coin(3))
        #expect(cache.changes.count == 1)
        cache.apply(BlockConnection(spent: [(Self.outpoint(3), Self.coin(3))]))
        let changes = cache.changes
        #expect(changes.count == 2 && changes.contains { $0.0 == Self.outpoint(3) && $0.1 == nil })
    }

    /// A block is connected from the cache alone when it holds every coin spent; one the cache
    /// lacks (it was just written out and emptied) is read from the store, and a coin spent twice
    /// is refused either way.
    @Test func coinsTheCacheLacksAreReadFromTheStoreAndDoubleSpendsStillRefused() throws {
        let t = try TestChain()
        try t.mine(101)
        try t.chain.flushCoins()
        let coinbase = try t.coinbase(at: 1)
        let pay = { (key: Int) in
            t.spend(
                [(TestChain.outpoint(coinbase), t.miner)],
                to: [TxOutput(amount: 1_000, address: TestChain.address(TestChain.key(key)))])
        }
        let fees = 50 * ChainParameters.coin - 1_000
        let twice = t.block([pay(7), pay(8)], fees: 2 * fees)
        let result = try t.chain.acceptBlock(twice)
        #expect(result.invalid[twice.hash]?.rule == .missingOrSpent)
        let once = t.block([pay(7)], fees: fees)
        #expect(try t.chain.acceptBlock(once).invalid.isEmpty)
        #expect(t.chain.tip.hash == once.hash)
        // Its coin now spent in the cache: spending it again is refused without the store.
        let again = t.block([pay(8)], fees: fees)
        #expect(try t.chain.acceptBlock(again).invalid[again.hash]?.rule == .missingOrSpent)
        #expect(t.chain.tip.hash == once.hash)
    }

    /// Blocks connected after the last write are connected again when the store is opened after a
    /// crash (here: reopened without the cache being written).
    @Test func aReopenedStoreCatchesUpWithTheBlocksTheCacheHeld() throws {
        let t = try TestChain()
        try t.mine(101)
        let coinbase = try t.coinbase(at: 1)
        let pay = t.spend(
            [(TestChain.outpoint(coinbase), t.miner)],
            to: [TxOutput(amount: 1_000, address: TestChain.address(TestChain.key(7)))])
        _ = try t.chain.acceptBlock(t.block([pay], fees: 50 * ChainParameters.coin - 1_000))
        try t.mine(3)
        let tip = t.chain.tip.hash
        #expect(try t.chain.store.coinsTip() != tip)
        #expect(try t.chain.store.coin(TestChain.outpoint(pay)) == nil)
        try t.reopen()
        #expect(t.chain.tip.hash == tip)
        #expect(try t.chain.store.coinsTip() == tip)
        #expect(try t.chain.store.coin(TestChain.outpoint(pay))?.output.amount == 1_000)
        #expect(try t.chain.store.allCoins() == t.chain.replayCoins().coins)
    }

    /// A crash between storing a block and connecting it: the reopened chain connects it, and the
    /// store is consistent before anything else writes (`tallyd check` reads it as it is).
    @Test func aBlockStoredButNotConnectedBeforeACrashIsWrittenOnReopen() throws {
        let t = try TestChain()
        try t.mine(3)
        let next = t.block()
        _ = try t.chain.store.insert(
            next.header, hash: next.hash, height: t.chain.height + 1, blockData: next.encoded)
        try t.reopen()
        #expect(t.chain.tip.hash == next.hash)
        #expect(try t.chain.store.coinsTip() == next.hash)
        #expect(try t.chain.store.allCoins() == t.chain.replayCoins().coins)
    }

    @Test func theCacheIsWrittenWhenItOutgrowsItsLimit() throws {
        let t = try TestChain()
        try t.reopen(coinCacheLimit: 10)
        try t.mine(25)
        let coinsHeight = try t.chain.store.coinsTip().flatMap { t.chain.index[$0]?.height }
        #expect(
            coinsHeight.map { t.chain.height - $0 <= 11 } == true,
            "UTXO set written at \(String(describing: coinsHeight))")
        #expect(try t.isConsistent())
    }

    /// Two thirds full, the cache is worth writing (the node writes it between blocks); the chain
    /// writes it by itself only past the limit.
    @Test func theCacheIsWorthWritingBeforeItIsFull() throws {
        let t = try TestChain()
        try t.reopen(coinCacheLimit: 12)
        var mined = 0
        while !t.chain.coinCacheWorthWriting && mined < 20 {
            try t.mine(1)
            mined += 1
        }
        #expect(t.chain.coinCacheWorthWriting)
        #expect(try t.chain.store.coinsTip() != t.chain.tip.hash, "written by the chain before its limit")
        try t.chain.flushCoins()
        #expect(!t.chain.coinCacheWorthWriting)
        #expect(try t.chain.store.coinsTip() == t.chain.tip.hash)
        #expect(try t.isConsistent())
    }

    /// A reorganisation writes the cache out before it disconnects, so the stored UTXO set always
    /// matches a block of the active chain.
    @Test func aReorganisationOverCachedBlocksStaysConsistentAcrossAReopen() throws {
        let t = try TestChain()
        try t.mine(5)
        let fork = t.chain.tip
        try t.mine(3)
        var parent = fork
        for _ in 0..<5 {
            let block = t.block(on: parent, tag: "other branch")
            _ = try t.chain.acceptBlock(block)
            parent = t.chain.index[block.hash]!
        }
        #expect(t.chain.tip === parent)
        let tip = t.chain.tip.hash
        try t.reopen()
        #expect(t.chain.tip.hash == tip)
        #expect(try t.isConsistent())
    }
}
