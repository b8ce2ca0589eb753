import ArgumentParser
import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWire

/// Real release `tallyd` processes on 127.0.0.1: a 1,000-transaction block crossing a line of five
/// nodes, transaction relay across three, and a fresh node's initial sync of a 5,000-block chain
/// next to importing the same blocks locally.
struct NetworkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Block propagation, transaction relay and initial sync between local nodes.")

    @Option(help: "Blocks in the chain the fresh node syncs.")
    var chainLength = 5_000

    @Option(help: "Transactions relayed across three nodes.")
    var relayTransactions = 2_000

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Codable {
        let blockTransactions: Int
        let blockHops: Int
        let blockMillisecondsEndToEnd: Double
        let blockMillisecondsPerHop: Double
        /// The same line with every mempool already holding the block's transactions (compact
        /// blocks: each hop rebuilds the block from its mempool).
        let compactMillisecondsPerHop: Double
        /// Bytes the nodes sent one another for such a block, per hop, ÷ the block's full size.
        let compactBytesRatio: Double
        /// CPU time the five nodes spent on such a block (until 0.3 s after it reached the end),
        /// per node: what a hop costs the machine, steadier than the wall-clock figure.
        let compactCPUMillisecondsPerNode: Double
        let relayTransactions: Int
        let relayTransactionsPerSecond: Double
        let chainLength: Int
        let syncBlocksPerSecond: Double
        let localImportBlocksPerSecond: Double
        let syncRatio: Double
        /// Raw Ed25519 verification of the relayed transactions on every core, in the same run.
        let parallelVerifyPerSecond: Double
        /// relayTransactionsPerSecond × 3 / parallelVerifyPerSecond: each of the three nodes
        /// verifies every transaction, and all three share this machine's cores.
        let relayRatio: Double
    }

    func validate() throws {
        guard (1...200_000).contains(relayTransactions) else {
            throw ValidationError("--relay-transactions must be between 1 and 200,000")
        }
        guard chainLength >= 300 else { throw ValidationError("--chain-length must be at least 300") }
    }

    func run() throws {
        let tallyd = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "tallyd")
        guard FileManager.default.isExecutableFile(atPath: tallyd.path) else {
            throw ValidationError("build tallyd beside tally-bench first: swift build -c release --static-swift-stdlib")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tally-network-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let cluster = Cluster(tallyd: tallyd, directory: work)
        defer { cluster.stopAll() }

        log("building the chains")
        let chains = try Chains(directory: work, chainLength: chainLength, relayTransactions: relayTransactions)

        // 1. Local import rate, then a fresh node syncing the same chain from a peer.
        log("importing \(chainLength) blocks locally")
        var started = Date()
        try cluster.importBlocks(chains.syncFile, into: "local")
        let localRate = Double(chainLength) / Date().timeIntervalSince(started)
        try cluster.importBlocks(chains.syncFile, into: "source")
        let source = try cluster.start("source")
        log("syncing \(chainLength) blocks over the wire")
        started = Date()
        let fresh = try cluster.start("fresh", peers: [source])
        try cluster.wait(timeout: 600) { try fresh.client.status().tipHash == chains.syncTip }
        let syncRate = Double(chainLength) / Date().timeIntervalSince(started)
        cluster.stop(source)
        cluster.stop(fresh)

        // 2. A line of five nodes; blocks of 1,000 transactions enter at one end.
        log("block propagation across five nodes")
        var line: [Cluster.Node] = []
        for i in 0..<5 {
            try cluster.importBlocks(chains.baseFile, into: "line\(i)")
            line.append(try cluster.start("line\(i)", peers: line.last.map { [$0] } ?? []))
        }
        // A line: two peers each, one at the ends.
        try cluster.wait(timeout: 30) {
            try line.indices.allSatisfy { try line[$0].client.status().peers.count == ($0 % 4 == 0 ? 1 : 2) }
        }
        var endToEnd: [Double] = []
        // Each block's arrival at the end of the line is watched from a peer connection of its own,
        // made before the block is sent: the node announces its new tip to it by `headers` (Protocol.md
        // §13.10) the moment it connects the block. Polling `getstatus` every millisecond instead spent
        // ~3.5 ms of the bench's CPU per block and as much of the last node's, on two cores shared
        // with the five nodes it timed, and added up to a millisecond of its own.
        func watchingTheEnd() throws -> PeerClient {
            try PeerClient(host: "127.0.0.1", port: line[4].port, network: .regtest, timeout: 5)
        }
        func waitUntilAnnounced(_ hash: Hash256, by watcher: PeerClient) throws {
            let deadline = Date().addingTimeInterval(60)
            while true {
                let message = try watcher.next(
                    timeout: max(0.01, deadline.timeIntervalSinceNow), waitingFor: "the block at the end of the line")
                if case .headers(let headers) = message, headers.headers.contains(where: { $0.hash == hash }) { return }
            }
        }
        for block in chains.lineBlocks {
            let entry = line[0].client
            let last = try watchingTheEnd()
            defer { last.close() }
            started = Date()
            entry.send(.block(block))
            try waitUntilAnnounced(block.hash, by: last)
            endToEnd.append(Date().timeIntervalSince(started))
        }
        // 2b. The same line, each block's transactions in every mempool before the block comes.
        var warmEndToEnd: [Double] = []
        var warmBytes: [Int] = []
        var warmCPU: [Int] = []
        let linePIDs = Set(line.map(\.process.processIdentifier))
        for block in chains.compactBlocks {
            let payments = block.transactions.dropFirst()
            for tx in payments { line[0].client.send(.tx(tx)) }
            try cluster.wait(timeout: 60, poll: 0.01) {
                try line.allSatisfy { try $0.client.status().mempoolTransactionCount == UInt32(payments.count) }
            }
            let last = try watchingTheEnd()
            defer { last.close() }
            let bytesBefore = try SocketBytes.sentBetween(linePIDs)
            let cpuBefore = ProcessCPU.threads(linePIDs)
            started = Date()
            line[0].client.send(.block(block))
            try waitUntilAnnounced(block.hash, by: last)
            warmEndToEnd.append(Date().timeIntervalSince(started))
            // What the nodes do after the tip (the mempool's update, the store) is the block's too.
            Thread.sleep(forTimeInterval: 0.3)
            warmCPU.append(ProcessCPU.spent(from: cpuBefore, to: ProcessCPU.threads(linePIDs)))
            warmBytes.append(try SocketBytes.sentBetween(linePIDs) - bytesBefore)
        }
        line.forEach(cluster.stop)

        // 3. Transactions relayed across three nodes.
        log("transaction relay across three nodes")
        var relay: [Cluster.Node] = []
        for i in 0..<3 {
            try cluster.importBlocks(chains.baseFile, into: "relay\(i)")
            relay.append(try cluster.start("relay\(i)", peers: relay.last.map { [$0] } ?? []))
        }
        try cluster.wait(timeout: 30) { try relay.dropFirst().allSatisfy { try $0.client.status().peers.count >= 1 } }
        started = Date()
        for tx in chains.relayTransactions { relay[0].client.send(.tx(tx)) }
        try cluster.wait(timeout: 120, poll: 0.01) {
            try relay[2].client.status().mempoolTransactionCount == UInt32(chains.relayTransactions.count)
        }
        let relayRate = Double(chains.relayTransactions.count) / Date().timeIntervalSince(started)

        let parallelVerify = parallelVerifyRate(chains.relayTransactions)
        let mean = endToEnd.reduce(0, +) / Double(endToEnd.count)
        let warmMean = warmEndToEnd.reduce(0, +) / Double(warmEndToEnd.count)
        let bytesPerHop = Double(warmBytes.reduce(0, +)) / Double(warmBytes.count) / 4
        let blockBytes = Double(chains.compactBlocks.map(\.encoded.count).reduce(0, +) / chains.compactBlocks.count)
        let report = Report(
            blockTransactions: chains.lineBlocks[0].transactions.count - 1, blockHops: 4,
            blockMillisecondsEndToEnd: mean * 1000, blockMillisecondsPerHop: mean * 1000 / 4,
            compactMillisecondsPerHop: warmMean * 1000 / 4, compactBytesRatio: bytesPerHop / blockBytes,
            compactCPUMillisecondsPerNode: Double(warmCPU.reduce(0, +)) / Double(warmCPU.count) / 5 / 1e6,
            relayTransactions: chains.relayTransactions.count, relayTransactionsPerSecond: relayRate,
            chainLength: chainLength, syncBlocksPerSecond: syncRate, localImportBlocksPerSecond: localRate,
            syncRatio: syncRate / localRate, parallelVerifyPerSecond: parallelVerify,
            relayRatio: relayRate * 3 / parallelVerify)
        if json {
            try printJSON(report)
        } else {
            print(
                "block of \(report.blockTransactions) tx across 5 nodes: \(String(format: "%.1f", report.blockMillisecondsEndToEnd)) ms end to end, \(String(format: "%.1f", report.blockMillisecondsPerHop)) ms per hop (mean of \(endToEnd.count))"
            )
            print(
                "with warm mempools: \(String(format: "%.1f", report.compactMillisecondsPerHop)) ms per hop, \(Int(bytesPerHop)) bytes per hop of a \(Int(blockBytes))-byte block (ratio \(String(format: "%.3f", report.compactBytesRatio))), \(String(format: "%.1f", report.compactCPUMillisecondsPerNode)) ms of CPU per node"
            )
            print(
                "transaction relay across 3 nodes: \(report.relayTransactions) tx at \(Int(report.relayTransactionsPerSecond)) tx/s; raw verify on every core \(Int(parallelVerify))/s; relay ratio \(String(format: "%.2f", report.relayRatio))"
            )
            print(
                "initial sync of \(chainLength) blocks: \(Int(syncRate)) blocks/s; local import \(Int(localRate)) blocks/s; ratio \(String(format: "%.2f", report.syncRatio))"
            )
        }
    }

    /// Signatures of `transactions` verified once, spread over every core.
    private func parallelVerifyRate(_ transactions: [Transaction]) -> Double {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let started = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: threads) { slice in
            for index in stride(from: slice, to: transactions.count, by: threads) {
                precondition(SignatureVerifier.verify(transactions[index], parameters: .regtest) == nil)
            }
        }
        let seconds = elapsedSeconds(since: started)
        return Double(transactions.count) / seconds
    }

    private func log(_ text: String) {
        if !json { FileHandle.standardError.write(Data("… \(text)\n".utf8)) }
    }
}

/// The blocks and transactions the benchmark feeds the nodes.
private struct Chains {
    let baseFile: URL
    let syncFile: URL
    let syncTip: Hash256
    let lineBlocks: [Block]
    /// Ten more blocks of 1,000 payments, sent to the line's mempools before each block (three
    /// were too few for a steady mean).
    let compactBlocks: [Block]
    let relayTransactions: [Transaction]

    init(directory: URL, chainLength: Int, relayTransactions relayCount: Int) throws {
        let bob = TestChain.key(2)
        // 1,000 outputs to a funding transaction: thirteen blocks of 1,000 payments, then the relayed ones.
        let blocks = 13
        let funding = try Funding(outputs: blocks * 1_000 + relayCount)
        let builder = funding.builder
        let base = funding.blocks
        baseFile = directory.appendingPathComponent("base.dat")
        try BlockFile.write(base, to: baseFile)

        let fee: UInt64 = 1_000
        let pay = { (index: Int) in funding.payment(index, to: TestChain.address(bob), fee: fee, change: false) }
        // Blocks of 1,000 payments for the line; more payments for relay.
        var line: [Block] = []
        for b in 0..<blocks {
            let txs = (b * 1_000..<(b + 1) * 1_000).map(pay)
            let block = builder.block(txs, fees: fee * UInt64(txs.count))
            _ = try builder.chain.acceptBlock(block)
            line.append(block)
        }
        lineBlocks = Array(line[..<3])
        compactBlocks = Array(line[3...])
        relayTransactions = (blocks * 1_000..<blocks * 1_000 + relayCount).map(pay)

        // The sync chain: the base, the three full blocks, then empty blocks up to the length asked.
        let rest = try builder.mine(max(0, chainLength - base.count - line.count))
        syncFile = directory.appendingPathComponent("sync.dat")
        try BlockFile.write(base + line + rest, to: syncFile)
        syncTip = builder.chain.tip.hash
    }
}

/// Release `tallyd` processes on 127.0.0.1 with their own ports and data directories.
private final class Cluster {
    final class Node {
        let name: String
        let port: Int
        let process: Process
        let client: PeerClient

        init(name: String, port: Int, process: Process, client: PeerClient) {
            self.name = name
            self.port = port
            self.process = process
            self.client = client
        }
    }

    let tallyd: URL
    let directory: URL
    private var running: [Node] = []
    private var nextPort = 0

    init(tallyd: URL, directory: URL) {
        self.tallyd = tallyd
        self.directory = directory
        nextPort = 20_000 + Int.random(in: 0..<20_000)
    }

    func dataDirectory(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func importBlocks(_ file: URL, into name: String) throws {
        let process = Process()
        process.executableURL = tallyd
        process.arguments = [
            "import-blocks", "--regtest", "--datadir", dataDirectory(name), file.path, "--log-level", "error",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("import into \(name) failed") }
    }

    func start(_ name: String, peers: [Node] = []) throws -> Node {
        nextPort += 1
        let port = nextPort
        let process = Process()
        process.executableURL = tallyd
        process.arguments =
            [
                "--regtest", "--datadir", dataDirectory(name), "--port", "\(port)", "--no-discovery", "--log-level",
                "warning",
                // Only the peers named: a node dials the addresses its peers tell it of, and the
                // line would become a mesh, every node one hop from the first.
                "--max-outbound", "0",
            ]
            + peers.flatMap { ["--peer", "127.0.0.1:\($0.port)"] }
        let log = directory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var client: PeerClient?
        let deadline = Date().addingTimeInterval(30)
        while client == nil && Date() < deadline {
            client = try? PeerClient(host: "127.0.0.1", port: port, network: .regtest, timeout: 1)
            if client == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let client else { throw ValidationError("\(name) did not start") }
        let node = Node(name: name, port: port, process: process, client: client)
        running.append(node)
        return node
    }

    func stop(_ node: Node) {
        node.client.close()
        if node.process.isRunning {
            node.process.terminate()
            node.process.waitUntilExit()
        }
    }

    func stopAll() { running.forEach(stop) }

    func wait(timeout: TimeInterval, poll: TimeInterval = 0.05, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return }
            Thread.sleep(forTimeInterval: poll)
        }
        throw ValidationError("timed out after \(timeout) s")
    }
}
