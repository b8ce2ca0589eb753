import Foundation
import Logging
import NIOCore
import NIOEmbedded
import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
@_spi(Fuzzing) import TallyNet
import TallyNode
import TallyWire

// Constants, the node's log, and the node every input starts from. Not in `main.swift`: globals
// there are top-level code, run by Swift's `main`, while libFuzzer's `main` runs this target;
// globals of other files are initialised lazily, on first use, whichever `main` runs.

// MARK: Constants

let parameters = ChainParameters.regtest
let network = Network.regtest
let codec = MessageCodec(network: network)
/// The key every coin the harness makes pays to.
let fuzzKey = Ed25519.PrivateKey(seed: [UInt8](repeating: 0x46, count: 32))
let fuzzAddress = AddressHash(publicKey: fuzzKey.publicKey)
/// Blocks of the initial chain, on genesis.
let initialHeight: UInt32 = 110
/// Coinbases of the initial chain the transaction operation picks from (heights 1 … 12: 11 mature).
let spendableCoinbases: UInt32 = 12
let maximumOperations = 64
let verbose = environment("FUZZ_PEER_VERBOSE") != nil

/// getenv, not ProcessInfo.environment: LeakSanitizer reports a string of the latter at exit.
func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
let peerAddress = try! SocketAddress(ipAddress: "10.0.0.2", port: 18444)
let peerNonce: UInt64 = 0x5EED_F00D_0000_0001

func debug(_ text: @autoclosure () -> String) {
    if verbose { FileHandle.standardError.write(Data("fuzz-peer: \(text())\n".utf8)) }
}

// MARK: The node's log

/// Collects what the node logs during one operation: each penalty (its line and the score it
/// brought the peer to) and each ban.
final class LogRecorder: @unchecked Sendable {
    struct Penalty {
        let line: String
        let score: Int
    }

    static let shared = LogRecorder()
    private let lock = NSLock()
    private var penalties: [Penalty] = []
    private var bans = 0

    func reset() {
        lock.lock()
        defer { lock.unlock() }
        penalties.removeAll()
        bans = 0
    }

    /// What was logged since the last `reset`.
    var recorded: (penalties: [Penalty], bans: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (penalties, bans)
    }

    /// `penalise` logs "peer ID ADDRESS OFFENCE (score N)", then "banned HOST for N s" when the
    /// score reaches the threshold with banning on.
    func record(_ line: String) {
        if verbose { FileHandle.standardError.write(Data("  log: \(line)\n".utf8)) }
        if line.hasPrefix("banned ") {
            lock.lock()
            defer { lock.unlock() }
            bans += 1
            return
        }
        guard line.hasSuffix(")"), let range = line.range(of: "(score ", options: .backwards),
            let score = Int(line[range.upperBound...].dropLast())
        else { return }
        lock.lock()
        defer { lock.unlock() }
        penalties.append(Penalty(line: line, score: score))
    }
}

struct RecordingLogHandler: LogHandler {
    var logLevel: Logger.Level = verbose ? .debug : .warning
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        LogRecorder.shared.record(event.message.description)
    }
}

// MARK: The node, the same at the start of every input

final class Harness: @unchecked Sendable {
    static let shared = Harness()

    let directory: URL
    let templatePath: String
    let logger: Logger
    /// The initial chain's coinbases, by height (index 0: height 1).
    let coinbases: [Transaction]
    let initialTip: Hash256
    let initialHeaderCount: Int
    let genesisWork: ChainWork
    /// The work of one block at the regtest limit (every block the harness makes; regtest's
    /// difficulty is fixed), for telling chains of less work than the tip's.
    let blockWork: UInt256
    private(set) var node: Node
    private var nodeDirectory: URL
    private var generation = 0
    private(set) var resets = 0
    var inputs = 0
    var resetNanoseconds: UInt64 = 0
    var runNanoseconds: UInt64 = 0

    private init() {
        // On tmpfs when there is one: the store is copied for every input that changed it, and
        // SQLite's fsyncs cost nothing there.
        let shm = URL(fileURLWithPath: "/dev/shm")
        var isDirectory: ObjCBool = false
        let base =
            FileManager.default.fileExists(atPath: shm.path, isDirectory: &isDirectory) && isDirectory.boolValue
                && FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        // A process that crashed left its directory behind: remove those of processes gone.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        where name.hasPrefix("fuzz-peer-") {
            let parts = name.split(separator: "-")
            if parts.count == 4, let pid = Int32(parts[2]), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
            }
        }
        directory = base.appendingPathComponent("fuzz-peer-\(getpid())-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logger = Logger(label: "fuzz-peer") { _ in RecordingLogHandler() }

        // The initial chain, built once and kept as a snapshot of the store.
        let buildPath = directory.appendingPathComponent("build.sqlite").path
        templatePath = directory.appendingPathComponent("template.sqlite").path
        var coinbases: [Transaction] = []
        do {
            let store = try! ChainStore(path: buildPath, network: network)
            let chain = try! ChainState(store: store, parameters: parameters)
            for _ in 0..<initialHeight {
                let parent = chain.tip
                let block = ProofOfWork.solve(
                    BlockAssembler.block(
                        on: parent, transactions: [], fees: 0, payTo: fuzzAddress, now: parent.header.time + 1,
                        parameters: parameters, tag: Array("fuzz-peer".utf8)))
                _ = try! chain.acceptBlock(block)
                precondition(chain.tip.hash == block.hash, "the initial chain did not grow")
                coinbases.append(block.transactions[0])
            }
            try! store.snapshot(to: templatePath)
        }
        self.coinbases = coinbases
        nodeDirectory = directory.appendingPathComponent("node-0")
        let node = Harness.makeNode(in: nodeDirectory, template: templatePath, logger: logger)
        self.node = node
        let summary = node.summary()
        initialTip = summary.tipHash
        initialHeaderCount = node.sync { state in state.chain.index.entries.count }
        genesisWork = node.sync { state in
            ChainWork(bigEndianBytes: state.chain.index.genesis.chainWork.bigEndianBytes)!
        }
        blockWork = node.sync { state in state.chain.index.genesis.chainWork }
        precondition(summary.height == initialHeight)
        // The model's limits are the protocol's: the node's codec must have the same.
        for command in MessageCodec.knownCommands + ["zzzzzzzzzzzz"] {
            precondition(
                MessageCodec.maximumPayloadSize(forCommand: command) == InboundModel.payloadLimit(command),
                "\(command): the node's payload limit is not Protocol.md §13.6's")
        }
        precondition(parameters.genesis.header.bits == parameters.powLimitBits && parameters.difficulty == .fixed)
        atexit {
            let harness = Harness.shared
            try? FileManager.default.removeItem(at: harness.directory)
            if environment("FUZZ_PEER_STATS") != nil {
                FileHandle.standardError.write(
                    Data(
                        """
                        fuzz-peer: \(harness.inputs) inputs, \(harness.resets) node resets \
                        (\(harness.resetNanoseconds / 1_000_000) ms), running \(harness.runNanoseconds / 1_000_000) ms

                        """.utf8))
            }
        }
    }

    static func makeNode(in directory: URL, template: String, logger: Logger) -> Node {
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = NodeConfiguration(network: network, dataDirectory: directory)
        // Foundation's copy gives up on EINTR, which libFuzzer's timers can cause: copy again.
        for attempt in 1...10 {
            do {
                try? FileManager.default.removeItem(atPath: configuration.storePath)
                try FileManager.default.copyItem(atPath: template, toPath: configuration.storePath)
                break
            } catch {
                precondition(attempt < 10, "cannot copy the template store: \(error)")
            }
        }
        configuration.rewardAddress = fuzzAddress
        configuration.snapshotInterval = 0
        configuration.signatureThreads = 1
        configuration.miningThreads = 1
        return try! Node(configuration: configuration, logger: logger)
    }

    /// Gives the next input a node in the initial state: the same one if nothing changed it. What a
    /// peer can change is all visible here: the tip, the headers known (with their status: a new
    /// one is a new entry), the mempool and its orphans. (Orphan blocks, the one state of
    /// `ChainState` not visible from outside, are only kept for blocks that were asked for, whose
    /// headers the node knows; a peer's unrequested block with an unknown parent is dropped.)
    func prepareNode() {
        let pristine = node.sync { state in
            state.chain.tip.hash == initialTip && state.chain.index.entries.count == initialHeaderCount
                && state.mempool.count == 0 && state.mempool.orphanCount == 0
        }
        guard !pristine else { return }
        generation += 1
        resets += 1
        let old = nodeDirectory
        nodeDirectory = directory.appendingPathComponent("node-\(generation)")
        weak let previous = node
        node = Harness.makeNode(in: nodeDirectory, template: templatePath, logger: logger)
        precondition(previous == nil, "the previous Node outlived its replacement (a reference cycle?)")
        try? FileManager.default.removeItem(at: old)
    }
}
