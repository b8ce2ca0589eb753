import Foundation
import Testing
import TallyChain
import TallyCrypto
import TallyNode
import TallyTestSupport
import TallyWire

/// A store whose writer is killed (SIGKILL) at random instants while it connects blocks, and
/// reorganises, reopens consistent: its UTXO set equals a replay of its chain from genesis.
@Suite(.serialized) struct CrashConsistencyTests {
    /// 110 plain blocks, then 60 blocks that fan coins out and back in, then a heavier branch of 40
    /// blocks that forks 20 blocks below that tip: importing it in order makes the node reorganise.
    static func makeChainFile(_ url: URL) throws -> (tip: Hash256, blocks: Int) {
        let builder = try TestChain()
        let alice = TestChain.key(1)
        let bob = TestChain.key(2)
        var blocks = try builder.mine(110, payTo: TestChain.address(alice))
        func extend(_ count: Int, tag: String) throws {
            var previousFanOut: Transaction?
            for _ in 0..<count {
                let height = builder.chain.height + 1
                let source = try builder.coinbase(at: height - 105)
                let fanOut = builder.spend([(TestChain.outpoint(source), alice)], to: (0..<20).map { _ in
                    TxOutput(amount: (source.outputs[0].amount - 20_000) / 20, address: TestChain.address(bob))
                })
                var txs = [fanOut]
                var fees: UInt64 = source.outputs[0].amount - fanOut.outputs.reduce(0) { $0 + $1.amount }
                if let previous = previousFanOut {
                    let total = previous.outputs.reduce(0) { $0 + $1.amount }
                    let gather = builder.spend((0..<20).map { (TestChain.outpoint(previous, UInt32($0)), bob) },
                                               to: [TxOutput(amount: total / 2, address: TestChain.address(alice)),
                                                    TxOutput(amount: total / 2 - 50_000, address: TestChain.address(bob))])
                    txs.append(gather)
                    fees += total - gather.outputs.reduce(0) { $0 + $1.amount }
                }
                let block = builder.block(txs, fees: fees, tag: tag)
                _ = try builder.chain.acceptBlock(block)
                blocks.append(block)
                previousFanOut = fanOut
            }
        }
        try extend(60, tag: "first")
        let fork = builder.chain.index.activeEntry(at: 150)!
        // Build the heavier branch on a second builder that shares the first 150 blocks.
        let branchBuilder = try TestChain()
        for block in blocks.prefix(150) { _ = try branchBuilder.chain.acceptBlock(block) }
        #expect(branchBuilder.chain.tip.hash == fork.hash)
        try extendBranch(branchBuilder, count: 40, into: &blocks)
        try BlockFile.write(blocks, to: url)
        return (branchBuilder.chain.tip.hash, blocks.count)
    }

    static func extendBranch(_ builder: TestChain, count: Int, into blocks: inout [Block]) throws {
        let alice = TestChain.key(1)
        let carol = TestChain.key(3)
        for _ in 0..<count {
            let height = builder.chain.height + 1
            let source = try builder.coinbase(at: height - 101)
            let tx = builder.spend([(TestChain.outpoint(source), alice)], to: (0..<5).map { _ in
                TxOutput(amount: (source.outputs[0].amount - 10_000) / 5, address: TestChain.address(carol))
            })
            let fee = source.outputs[0].amount - tx.outputs.reduce(0) { $0 + $1.amount }
            let block = builder.block([tx], fees: fee, tag: "second")
            _ = try builder.chain.acceptBlock(block)
            blocks.append(block)
        }
    }

    @Test func killedWhileConnectingBlocksReopensConsistent() throws {
        let work = try temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(at: work) }
        let file = work.appendingPathComponent("blocks.dat")
        let (finalTip, count) = try Self.makeChainFile(file)
        #expect(count == 210)

        // How long a whole import takes here, to spread the kills over it.
        let timing = work.appendingPathComponent("timing")
        let started = Date()
        let full = try Tallyd.run(["import-blocks", "--regtest", "--datadir", timing.path, file.path, "--log-level", "error"])
        let duration = Date().timeIntervalSince(started)
        #expect(full.status == 0)
        #expect(full.output.contains("tip 190 \(finalTip)"), "\(full.output)")

        var random = SystemRandomNumberGenerator()
        var killsWhileRunning = 0
        var heights: [UInt32] = []
        var attempt = 0
        while killsWhileRunning < 20 && attempt < 60 {
            attempt += 1
            let dataDirectory = work.appendingPathComponent("run-\(attempt)")
            let process = try Tallyd.start(["import-blocks", "--regtest", "--datadir", dataDirectory.path, file.path, "--log-level", "error"])
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...max(0.1, duration), using: &random))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killsWhileRunning += 1
            }
            process.waitUntilExit()
            guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("chain.sqlite").path) else { continue }

            let store = try ChainStore(path: dataDirectory.appendingPathComponent("chain.sqlite").path, network: .regtest)
            let chain = try ChainState(store: store, parameters: .regtest)
            let stored = try store.allCoins()
            let replayed = try chain.replayCoins().coins
            #expect(stored == replayed, "attempt \(attempt): stored UTXO set differs from the replay at height \(chain.height)")
            heights.append(chain.height)
            try? FileManager.default.removeItem(at: dataDirectory)
        }
        #expect(killsWhileRunning >= 20, "only \(killsWhileRunning) kills landed while importing")
        // The kills landed at different points of the import.
        #expect(Set(heights).count >= 5, "heights at reopening: \(heights)")
        print("crash test: \(killsWhileRunning) kills, import \(String(format: "%.2f", duration)) s, heights \(heights.sorted())")
    }
}
