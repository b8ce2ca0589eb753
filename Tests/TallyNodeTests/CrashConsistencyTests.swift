import Foundation
import TallyChain
import TallyCrypto
import TallyNode
import TallyTestSupport
import TallyWire
import Testing

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
                let fanOut = builder.spend(
                    [(TestChain.outpoint(source), alice)],
                    to: (0..<20).map { _ in
                        TxOutput(amount: (source.outputs[0].amount - 20_000) / 20, address: TestChain.address(bob))
                    })
                var txs = [fanOut]
                var fees: UInt64 = source.outputs[0].amount - fanOut.outputs.reduce(0) { $0 + $1.amount }
                if let previous = previousFanOut {
                    let total = previous.outputs.reduce(0) { $0 + $1.amount }
                    let gather = builder.spend(
                        (0..<20).map { (TestChain.outpoint(previous, UInt32($0)), bob) },
                        to: [
                            TxOutput(amount: total / 2, address: TestChain.address(alice)),
                            TxOutput(amount: total / 2 - 50_000, address: TestChain.address(bob)),
                        ])
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
            let tx = builder.spend(
                [(TestChain.outpoint(source), alice)],
                to: (0..<5).map { _ in
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

        let whole = try Tallyd.run([
            "import-blocks", "--regtest", "--datadir", work.appendingPathComponent("whole").path, file.path,
            "--log-level", "error",
        ])
        #expect(whole.status == 0)
        #expect(whole.output.contains("tip 190 \(finalTip)"), "\(whole.output)")

        // Each kill is aimed by progress: the importing node logs every block it connects, and is
        // killed as soon as it reports the attempt's target height, spread from the first blocks to
        // the heavier branch's reorganisation. Random delays landed only half their kills in CI.
        let targets = (0..<20).map { UInt32(5 + 9 * $0) }
        var landed: [UInt32] = []
        for (attempt, target) in targets.enumerated() {
            let dataDirectory = work.appendingPathComponent("run-\(attempt)")
            let reached = try Self.importAndKill(file: file, dataDirectory: dataDirectory, atHeight: target)
            #expect(reached != nil, "attempt \(attempt): the import ended before reaching height \(target)")
            guard let reached else { continue }
            landed.append(reached)
            let store = try ChainStore(
                path: dataDirectory.appendingPathComponent("chain.sqlite").path, network: .regtest)
            let chain = try ChainState(store: store, parameters: .regtest)
            let stored = try store.allCoins()
            let replayed = try chain.replayCoins().coins
            #expect(
                stored == replayed,
                "attempt \(attempt): stored UTXO set differs from the replay at height \(chain.height)")
            #expect(
                chain.height >= reached,
                "attempt \(attempt): reopened at \(chain.height), below the reported \(reached)")
            try? FileManager.default.removeItem(at: dataDirectory)
        }
        #expect(landed.count == 20, "only \(landed.count) kills landed while importing")
        print("crash test: \(landed.count) kills, at reported heights \(landed)")
    }

    /// Imports `file` in a child `tallyd`, killed (SIGKILL) once it reports a block at `height` or
    /// above; returns the height reported, or nil if it finished first.
    static func importAndKill(file: URL, dataDirectory: URL, atHeight height: UInt32) throws -> UInt32? {
        let process = Process()
        process.executableURL = Tallyd.binary
        process.arguments = [
            "import-blocks", "--regtest", "--datadir", dataDirectory.path, file.path, "--log-level", "info",
        ]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { process.waitUntilExit() }
        var pending = ""
        while true {
            let data = pipe.fileHandleForReading.availableData
            guard !data.isEmpty else { return nil }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                pending = String(pending[pending.index(after: newline)...])
                guard let range = line.range(of: " block "),
                    let reported = UInt32(line[range.upperBound...].prefix { $0.isNumber }), reported >= height
                else { continue }
                guard process.isRunning else { return nil }
                kill(process.processIdentifier, SIGKILL)
                return reported
            }
        }
    }
}
