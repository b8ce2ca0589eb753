import Foundation
import Synchronization
import TallyChain
import TallyCrypto
import TallyMining
import TallyTestSupport
import TallyWire
import Testing

/// The header's hash, recomputed here with plain SHA-256, meets the target its bits encode: the
/// check that does not trust the kernel that found the nonce.
func independentlyMeetsTarget(_ header: BlockHeader) -> Bool {
    let digest = SHA256.hash(SHA256.hash(header.encoded).bytes).bytes
    guard let target = Target.decode(bits: header.bits) else { return false }
    let targetBytes = target.bigEndianBytes
    // The digest is a little-endian number: compare from its last byte down.
    for (d, t) in zip(digest.reversed(), targetBytes) where d != t { return d < t }
    return true
}

@Suite(.serialized) struct NonceScannerTests {
    @Test(arguments: NonceScanner.available)
    func everyKernelFindsTheSameFirstNonceAsBruteForce(kernel: String) throws {
        let original = NonceScanner.implementation
        defer { NonceScanner.select(original) }
        #expect(NonceScanner.select(kernel))
        var random = SystemRandomNumberGenerator()
        for round in 0..<50 {
            let header = BlockHeader(
                version: UInt32(round),
                previousBlockHash: Hash256(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }),
                merkleRoot: SHA256.hash([UInt8(round)]), time: UInt32.random(in: 0...UInt32.max, using: &random),
                bits: 0x2000_ffff, nonce: 0)  // about 1 in 256 hashes meets it
            let start = UInt32.random(in: 0...(UInt32.max - 5_000), using: &random)
            let expected = ProofOfWork.search(header, from: start).map(\.nonce)
            let found = try #require(NonceScanner(header: header)).scan(from: start, count: 5_000)
            #expect(found == expected, "kernel \(kernel), round \(round)")
            if let found {
                var solved = header
                solved.nonce = found
                #expect(independentlyMeetsTarget(solved))
            }
        }
    }

    @Test func anImpossibleTargetIsNeverMet() throws {
        let header = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: .zero, time: 0, bits: 0x0300_0001, nonce: 0)
        #expect(try #require(NonceScanner(header: header)).scan(from: 0, count: 100_000) == nil)
        #expect(try #require(NonceScanner(header: header)).scan(from: UInt32.max - 10, count: 11) == nil)
    }

    @Test func aRangeOfZeroNoncesFindsNothing() throws {
        let header = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: .zero, time: 0, bits: 0x207f_ffff, nonce: 0)
        #expect(try #require(NonceScanner(header: header)).scan(from: 7, count: 0) == nil)
    }
}

@Suite(.serialized) struct MinerTests {
    @Test func twoWorkersFindBlocksThatAnIndependentCheckAccepts() throws {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 1), outputs: [TxOutput(amount: 1, address: TestChain.address(TestChain.key(1)))])
        // About 65,536 hashes per block: real work, quick for any kernel.
        let template = Block(
            header: BlockHeader(
                version: 1, previousBlockHash: .zero, merkleRoot: coinbase.wtxid,
                time: 1_795_392_000, bits: 0x1f00_ffff, nonce: 0), transactions: [coinbase])
        let found = Mutex<[Block]>([])
        let enough = DispatchSemaphore(value: 0)
        let miner = Miner(
            threads: 2,
            hooks: Miner.Hooks(
                template: { template },
                found: { block in
                    if found.withLock({
                        $0.append(block)
                        return $0.count
                    }) == 12 {
                        enough.signal()
                    }
                }))
        miner.start()
        let finished = enough.wait(timeout: .now() + 120)
        miner.stop()
        #expect(finished == .success)
        let blocks = found.withLock { $0 }
        #expect(blocks.count >= 12)
        for block in blocks {
            #expect(independentlyMeetsTarget(block.header))
            #expect(block.computedMerkleRoot == block.header.merkleRoot)
        }
        // Workers use disjoint extra nonces: no header is found twice.
        #expect(Set(blocks.map(\.hash)).count == blocks.count)
        #expect(Set(blocks.map { $0.transactions[0].coinbaseData!.extraNonce >> 56 }).count == 2)
    }

    @Test func blocksMinedOnAChainAreAcceptedByIt() throws {
        // The chain is not Sendable: the workers reach it only through this lock.
        let chain = Mutex(try TestChain())
        let reachedTen = DispatchSemaphore(value: 0)
        let minerBox = Mutex<Miner?>(nil)
        let miner = Miner(
            threads: 2,
            hooks: Miner.Hooks(
                template: {
                    chain.withLock { t in
                        BlockAssembler.block(
                            on: t.chain.tip, transactions: [], fees: 0, payTo: TestChain.address(t.miner), now: t.now,
                            parameters: t.parameters)
                    }
                },
                found: { block in
                    let (accepted, height) = chain.withLock { t -> (Bool, UInt32) in
                        guard let result = try? t.chain.acceptBlock(block) else { return (false, t.chain.height) }
                        return (result.invalid.isEmpty && t.chain.tip.hash == block.hash, t.chain.height)
                    }
                    if accepted { _ = minerBox.withLock { $0?.newWork() } }
                    if height == 10 { reachedTen.signal() }
                }))
        minerBox.withLock { $0 = miner }
        miner.start()
        let finished = reachedTen.wait(timeout: .now() + 60)
        miner.stop()
        #expect(finished == .success)
        let (height, headers, consistent) = try chain.withLock { t in
            (t.chain.height, t.chain.index.active.dropFirst().map(\.header), try t.isConsistent())
        }
        #expect(height >= 10)
        for header in headers { #expect(independentlyMeetsTarget(header)) }
        #expect(consistent)
    }

    @Test func everyWorkerLeavesStaleWorkAfterANewTip() throws {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 1), outputs: [TxOutput(amount: 1, address: TestChain.address(TestChain.key(1)))])
        let block = Block(
            header: BlockHeader(
                version: 1, previousBlockHash: .zero, merkleRoot: coinbase.wtxid,
                time: 0, bits: 0x0300_0001, nonce: 0), transactions: [coinbase])
        let miner = Miner(threads: 2, hooks: Miner.Hooks(template: { block }, found: { _ in }))
        miner.start()
        defer { miner.stop() }
        for _ in 0..<20 {
            let generation = miner.newWork()
            let deadline = Date().addingTimeInterval(5)
            while !miner.allWorkersReached(generation) && Date() < deadline { usleep(100) }
            #expect(miner.allWorkersReached(generation))
        }
        #expect(miner.hashCount > 0)
    }
}
