import ArgumentParser
import Foundation
import TallyChain
import TallyCrypto
import TallyMempool
import TallyTestSupport
import TallyWire

/// Connects blocks full of signed transactions and compares the rate with the raw Ed25519 verify
/// rate measured on the same signatures in the same run.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Block connection rate (tx/s) against the raw signature verify rate.")

    @Option(help: "Blocks to connect per run.")
    var blocks = 5

    @Option(help: "Transactions per block.")
    var transactions = 4_000

    @Option(help: "Signature threads; repeat for several runs (default: 1 and every core).")
    var threads: [Int] = []

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Run: Codable {
        let threads: Int
        let transactions: Int
        let seconds: Double
        let txPerSecond: Double
        let ratio: Double
    }

    struct Report: Codable {
        let txPerSecond: Double
        let verifyPerSecond: Double
        let ratio: Double
        /// The raw rate with as many threads as the widest run: how well verification alone scales.
        let parallelVerifyPerSecond: Double
        /// Blocks whose transactions were in the mempool first, against the same blocks cold, both
        /// with every core verifying.
        let warmConnectRatio: Double
        let runs: [Run]
    }

    func run() throws {
        let runs = threads.isEmpty ? Array(Set([1, ProcessInfo.processInfo.activeProcessorCount])).sorted() : threads
        let workload = try Workload(blocks: blocks, transactionsPerBlock: transactions)
        // The reference is measured right before and after each run, so that a drift of the
        // machine's speed during the benchmark shows in both sides of the ratio.
        var references: [Double] = []
        var results: [Run] = []
        for threadCount in runs {
            let before = workload.rawVerifyRate()
            let seconds = try workload.connectAll(signatureThreads: threadCount)
            let after = workload.rawVerifyRate()
            references += [before, after]
            let rate = Double(workload.transactionCount) / seconds
            results.append(
                Run(
                    threads: threadCount, transactions: workload.transactionCount, seconds: seconds,
                    txPerSecond: rate, ratio: rate / ((before + after) / 2)))
        }
        let verifyPerSecond = references.reduce(0, +) / Double(references.count)
        let parallelVerifyPerSecond = workload.rawVerifyRate(threads: runs.max()!)
        let cold = try workload.connectAll(signatureThreads: runs.max()!)
        let warm = try workload.connectAll(signatureThreads: runs.max()!, warm: true)
        let report = Report(
            txPerSecond: results[0].txPerSecond, verifyPerSecond: verifyPerSecond, ratio: results[0].ratio,
            parallelVerifyPerSecond: parallelVerifyPerSecond, warmConnectRatio: cold / warm, runs: results)
        if json {
            try printJSON(report)
        } else {
            print(
                "raw Ed25519 verify: \(Int(verifyPerSecond)) /s on 1 thread (mean of the references), \(Int(parallelVerifyPerSecond)) /s on \(runs.max()!)"
            )
            print(
                "connect of blocks whose transactions were in the mempool first: \(String(format: "%.1f", report.warmConnectRatio))× the cold rate"
            )
            for r in results {
                print(
                    "connect, \(r.threads) signature thread(s): \(r.transactions) tx in \(String(format: "%.3f", r.seconds)) s = \(Int(r.txPerSecond)) tx/s, ratio to the 1-thread verify rate around it \(String(format: "%.2f", r.ratio))"
                )
            }
        }
    }
}

/// A regtest chain with enough mature outputs, and blocks that spend them, one input and two
/// outputs per transaction (a typical payment), serialized as they would arrive from a peer.
struct Workload {
    let setup: [Block]
    let measured: [[UInt8]]
    let transactionCount: Int
    let signatures: [(publicKey: [UInt8], message: [UInt8], signature: [UInt8])]

    init(blocks: Int, transactionsPerBlock: Int) throws {
        let funding = try Funding(outputs: blocks * transactionsPerBlock, perFunding: 2_000)
        let builder = funding.builder
        var measured: [[UInt8]] = []
        var signatures: [([UInt8], [UInt8], [UInt8])] = []
        var parent = (hash: builder.chain.tip.hash, height: builder.chain.height, time: builder.chain.tip.header.time)
        let fee: UInt64 = 1_000
        for b in 0..<blocks {
            let txs = (0..<transactionsPerBlock).map { i in
                funding.payment(b * transactionsPerBlock + i, to: TestChain.address(TestChain.key(2)), fee: fee)
            }
            for tx in txs {
                signatures.append(
                    (
                        tx.inputs[0].publicKey, SignatureMessage.bytes(txid: tx.txid, parameters: .regtest),
                        tx.inputs[0].signature
                    ))
            }
            let coinbase = Transaction.coinbase(
                CoinbaseData(height: parent.height + 1),
                outputs: [
                    TxOutput(
                        amount: 50 * ChainParameters.coin + fee * UInt64(txs.count),
                        address: TestChain.address(funding.owner))
                ])
            let all = [coinbase] + txs
            let block = TestChain.solved(
                Block(
                    header: BlockHeader(
                        version: 1, previousBlockHash: parent.hash,
                        merkleRoot: MerkleTree.root(all.map(\.wtxid)),
                        time: parent.time + 1, bits: 0x207f_ffff, nonce: 0),
                    transactions: all))
            precondition(block.size <= Block.maximumSize, "block of \(block.size) bytes: lower --transactions")
            measured.append(block.encoded)
            parent = (block.hash, parent.height + 1, block.header.time)
        }
        self.setup = funding.blocks
        self.measured = measured
        self.signatures = signatures
        transactionCount = blocks * transactionsPerBlock
    }

    /// Verifies every signature of the measured blocks once, split over `threads` threads; on one
    /// thread this is the reference.
    func rawVerifyRate(threads: Int = 1) -> Double {
        let signatures = self.signatures
        let started = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: threads) { slice in
            for s in stride(from: slice, to: signatures.count, by: threads) {
                let entry = signatures[s]
                precondition(
                    Ed25519.verify(signature: entry.signature, message: entry.message, publicKey: entry.publicKey))
            }
        }
        let seconds = elapsedSeconds(since: started)
        return Double(signatures.count) / seconds
    }

    /// Seconds to connect the measured blocks on a fresh store holding the setup chain. Blocks are
    /// decoded before the clock starts: in the node the network layer decodes them on its own
    /// thread, and the chain receives them decoded with their bytes.
    /// With `warm`, every transaction first enters a mempool (its signatures verified then and
    /// remembered), as a node that relayed them would have them, and only the connection is timed.
    func connectAll(signatureThreads: Int, warm: Bool = false) throws -> Double {
        let target = try TestChain(signatureThreads: signatureThreads)
        for block in setup { _ = try target.chain.acceptBlock(block) }
        let decoded = try measured.map { try Block(decoding: $0) }
        if warm {
            let mempool = Mempool()
            for block in decoded {
                for tx in block.transactions.dropFirst() {
                    try mempool.accept(tx, chain: target.chain, now: target.now)
                }
            }
        }
        let started = DispatchTime.now()
        for (block, bytes) in zip(decoded, measured) {
            let result = try target.chain.acceptBlock(block, encoded: bytes)
            precondition(result.invalid.isEmpty, "\(result.invalid)")
        }
        let seconds = elapsedSeconds(since: started)
        precondition(target.chain.height == setup.count + measured.count)
        return seconds
    }
}
