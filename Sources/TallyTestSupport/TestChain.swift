import Foundation
import TallyChain
import TallyCrypto
import TallyMining
import TallyWire

/// A regtest chain in a temporary directory, with a clock the caller moves and deterministic keys:
/// what the tests and the benchmarks build their blocks and transactions with.
public final class TestChain {
    public let directory: URL
    public let parameters: ChainParameters
    public private(set) var chain: ChainState!
    /// The chain's notion of "now" for rule R4.
    public var now: UInt32
    public let miner: Ed25519.PrivateKey

    public init(parameters: ChainParameters = .regtest, signatureThreads: Int = 1) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.parameters = parameters
        now = parameters.genesis.header.time + 1_000_000
        miner = TestChain.key(0)
        try reopen(signatureThreads: signatureThreads)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    public var storePath: String { directory.appendingPathComponent("chain.sqlite").path }

    /// Opens the store again, as a restarted node would.
    public func reopen(
        signatureThreads: Int = 1, coinCacheLimit: Int = ChainState.defaultCoinCacheLimit,
        checkpointInBackground: Bool = false
    ) throws {
        chain = try ChainState(
            store: ChainStore(
                path: storePath, network: parameters.network, checkpointInBackground: checkpointInBackground),
            parameters: parameters,
            signatureThreads: signatureThreads, coinCacheLimit: coinCacheLimit, clock: { [unowned self] in now })
    }

    /// A deterministic key: seed = n as 32 bytes.
    public static func key(_ n: Int) -> Ed25519.PrivateKey {
        var seed = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: UInt64(n).littleEndian) { for (i, b) in $0.enumerated() { seed[i] = b } }
        seed[31] = 0x7a
        return Ed25519.PrivateKey(seed: seed)
    }

    public static func address(_ key: Ed25519.PrivateKey) -> AddressHash { AddressHash(publicKey: key.publicKey) }

    /// A solved block on `parent` (default: the tip) with `transactions`, one second after its parent.
    /// `fees` defaults to what the transactions pay, looked up in the chain.
    public func block(
        on parent: BlockIndexEntry? = nil, _ transactions: [Transaction] = [], fees: UInt64? = nil,
        payTo: AddressHash? = nil, tag: String = "test", edit: ((inout Block) -> Void)? = nil
    ) -> Block {
        let parent = parent ?? chain.tip
        var block = BlockAssembler.block(
            on: parent, transactions: transactions, fees: fees ?? 0,
            payTo: payTo ?? TestChain.address(miner), now: parent.header.time + 1,
            parameters: parameters, tag: Array(tag.utf8))
        guard let edit else { return ProofOfWork.solve(block) }
        edit(&block)
        block.header.merkleRoot = block.computedMerkleRoot
        return TestChain.solved(block)
    }

    /// Finds a nonce for the block's header as it stands, whatever its bits (a header whose bits
    /// decode to no target is returned unchanged): for blocks built to break a rule.
    public static func solved(_ block: Block) -> Block {
        var b = block
        if let target = Target.decode(bits: b.header.bits) {
            while target < UInt256(b.header.hash) { b.header.nonce &+= 1 }
        }
        return b
    }

    /// Builds and accepts `count` empty blocks on the tip; returns them.
    @discardableResult
    public func mine(_ count: Int, payTo: AddressHash? = nil) throws -> [Block] {
        var blocks: [Block] = []
        for _ in 0..<count {
            let next = block(payTo: payTo)
            _ = try chain.acceptBlock(next)
            blocks.append(next)
        }
        return blocks
    }

    /// A signed transaction spending `coins` (outpoint and the key that owns it) to `outputs`.
    public func spend(_ coins: [(OutPoint, Ed25519.PrivateKey)], to outputs: [TxOutput]) -> Transaction {
        let inputs = coins.map { TxInput(outpoint: $0.0, publicKey: $0.1.publicKey) }
        return Transaction(inputs: inputs, outputs: outputs).signed(with: coins.map(\.1), parameters: parameters)
    }

    /// The coinbase of the active chain's block at `height`.
    public func coinbase(at height: UInt32) throws -> Transaction {
        guard let entry = chain.index.activeEntry(at: height), let block = try chain.block(entry.hash) else {
            throw ChainStore.StoreError.damaged("no block at height \(height)")
        }
        return block.transactions[0]
    }

    /// The outpoint of output `index` of `tx`.
    public static func outpoint(_ tx: Transaction, _ index: UInt32 = 0) -> OutPoint {
        OutPoint(txid: tx.txid, index: index)
    }

    /// The UTXO set, its cache written out, equals a replay of the active chain from genesis.
    public func isConsistent() throws -> Bool {
        try chain.flushCoins()
        return try chain.store.allCoins() == chain.replayCoins().coins
    }
}
