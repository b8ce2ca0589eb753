import ArgumentParser
import Foundation
import Logging
import Synchronization
import TallyChain
import TallyHTTP
import TallyMining
import TallyNet
import TallyNode
import TallyWire

@main
struct Tallyd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tallyd",
        abstract: "The Tally node: keeps the chain with the most work, and mines.",
        subcommands: [Run.self, ImportBlocks.self, ExportBlocks.self, Check.self, RestoreSnapshot.self],
        defaultSubcommand: Run.self)
}

/// Options every subcommand shares: which network, which data directory.
struct StoreOptions: ParsableArguments {
    @Flag(help: "Use the regtest network (trivial proof of work, for tests and demos).")
    var regtest = false

    @Option(name: .customLong("datadir"), help: "Data directory (default: ~/.tally/NETWORK).")
    var dataDirectory: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    var network: Network { regtest ? .regtest : .main }

    func nodeConfiguration() -> NodeConfiguration {
        let directory = dataDirectory.map { URL(fileURLWithPath: $0) } ?? NodeConfiguration.defaultDataDirectory(for: network)
        return NodeConfiguration(network: network, dataDirectory: directory)
    }

    func makeLogger() -> Logger {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "tallyd")
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the node (the default).")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Mine blocks on the tip.")
    var mine = false

    @Option(help: "Mining threads (default: one per core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Address to pay mined coins to (default: a key the node keeps in its data directory).")
    var rewardAddress: String?

    @Option(help: "Seconds to pause after each block this node mines (default: 1 on regtest, 0 on main).")
    var mineInterval: Double?

    @Option(help: "TCP port for peers (default: 8733 main, 18733 regtest; 0: any free port).")
    var port: Int?

    @Option(help: "Address to listen on; loopback by default, 0.0.0.0 or an interface address for a LAN.")
    var bind = "127.0.0.1"

    @Option(name: .customLong("peer"), help: "host:port of a peer to keep connected (repeatable).")
    var peers: [String] = []

    @Option(help: "UDP port for discovery (default: 8734 main, 18734 regtest).")
    var discoveryPort: Int?

    @Option(help: "Where discovery announcements go (default: the broadcast address of the bound interface).")
    var discoveryAddress: String?

    @Flag(help: "Neither announce nor listen for other nodes on the LAN.")
    var noDiscovery = false

    @Flag(help: "Disconnect misbehaving peers but never ban them.")
    var noBan = false

    @Option(help: "Most inbound peers.")
    var maxInbound = 64

    @Option(help: "Outbound peers to keep (discovery and addresses learnt).")
    var maxOutbound = 8

    @Flag(help: "Run without the peer network (no listening, no discovery).")
    var noNetwork = false

    @Option(name: .customLong("http"), help: ArgumentHelp(
        "Serve the JSON API, the explorer page and /metrics on HOST:PORT (off by default).",
        valueName: "host:port"))
    var http: String?

    @Option(help: "Take a snapshot of the store every N blocks (0: never).")
    var snapshotEvery: UInt32 = 1_000

    @Option(help: "How many snapshots to keep.")
    var snapshotKeep = 3

    func run() throws {
        // Block SIGINT and SIGTERM before any thread starts, so every thread inherits the block and
        // the signal waits, pending, for `sigwait` below (a thread that did not block it could
        // swallow it).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let logger = store.makeLogger()
        let httpTarget = try http.map { text in
            guard let target = splitHostPort(text) else { throw ValidationError("--http: '\(text)' is not host:port") }
            return target
        }
        // Counters bind to the metrics backend on first use: bootstrap before the node exists.
        let metrics = httpTarget.map { _ in ExplorerServer.bootstrapMetrics() }
        var configuration = store.nodeConfiguration()
        configuration.mine = mine
        configuration.miningThreads = threads
        configuration.snapshotInterval = snapshotEvery
        configuration.snapshotKeep = snapshotKeep
        if let mineInterval { configuration.mineInterval = mineInterval }
        if let rewardAddress {
            do {
                configuration.rewardAddress = try Address(parsing: rewardAddress, network: store.network).hash
            } catch {
                throw ValidationError("--reward-address: \(error)")
            }
        }
        let node = try Node(configuration: configuration, logger: logger)
        // The node's own failure (its store cannot be written) stops it as a signal would, and the
        // exit code says so.
        node.onFatalFailure { _ in kill(getpid(), SIGTERM) }
        let (height, hash) = node.sync { ($0.chain.height, $0.chain.tip.hash) }
        logger.notice("tallyd \(store.network.rawValue) data \(configuration.dataDirectory.path) tip \(height) \(hash)")
        if !noNetwork {
            var network = NetworkConfiguration(network: store.network)
            network.bindAddress = bind
            if let port { network.port = port }
            if let discoveryPort { network.discoveryPort = discoveryPort }
            network.discoveryAddress = discoveryAddress
            network.discovery = !noDiscovery
            network.persistentPeers = peers
            network.banning = !noBan
            network.maximumInbound = maxInbound
            network.targetOutbound = maxOutbound
            try node.startNetwork(network)
        }
        var explorer: ExplorerServer?
        if let httpTarget, let metrics {
            let server = try ExplorerServer(node: node, registry: metrics, logger: logger)
            let port = try server.start(host: httpTarget.host, port: httpTarget.port)
            logger.notice("HTTP API and explorer on http://\(httpTarget.host.contains(":") ? "[\(httpTarget.host)]" : httpTarget.host):\(port)/")
            explorer = server
        }

        if mine {
            logger.notice("mining to \(Address(network: store.network, hash: node.rewardAddress)) on \(threads) thread(s), kernel \(NonceScanner.implementation)")
            node.startMining(threads: threads)
        }
        let reporter = HashRateReporter(node: node, logger: logger)
        if mine { reporter.start() }

        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        logger.notice("shutting down (signal \(received))")
        // The miner first: a block found from here on would be announced to peers by a node about
        // to leave, which could not serve it.
        node.stopMining()
        reporter.stop()
        explorer?.stop()
        node.stopNetwork()
        logger.notice("stopped at tip \(node.sync { $0.chain.height })")
        if let failure = node.fatalFailure {
            logger.critical("stopped because \(failure)")
            throw ExitCode.failure
        }
    }
}

/// Logs the miner's hash rate every few seconds.
final class HashRateReporter: Sendable {
    private let node: Node
    private let logger: Logger
    private let queue = DispatchQueue(label: "tally.hashrate")
    private let running = Atomic<Bool>(false)
    private let last = Mutex<(count: UInt64, time: Date)>((0, Date()))

    init(node: Node, logger: Logger) {
        self.node = node
        self.logger = logger
    }

    func start() {
        running.store(true, ordering: .relaxed)
        scheduleReport()
    }

    private func scheduleReport() {
        queue.asyncAfter(deadline: .now() + 5) { [self] in
            guard running.load(ordering: .relaxed) else { return }
            report()
            scheduleReport()
        }
    }

    private func report() {
        let count = node.hashCount
        let now = Date()
        let rate = last.withLock { last in
            defer { last = (count, now) }
            return Double(count &- last.count) / now.timeIntervalSince(last.time)
        }
        let peers = node.network?.readyPeerCount ?? 0
        logger.info("hashrate \(String(format: "%.0f", rate)) H/s height \(node.sync { $0.chain.height }) peers \(peers)")
    }

    func stop() { running.store(false, ordering: .relaxed) }
}

struct ImportBlocks: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connect the blocks of a bootstrap file (as export-blocks writes).")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The block file.")
    var file: String

    func run() throws {
        let logger = store.makeLogger()
        var configuration = store.nodeConfiguration()
        configuration.snapshotInterval = 0
        let node = try Node(configuration: configuration, logger: logger)
        let blocks = try BlockFile.read(URL(fileURLWithPath: file))
        var rejected = 0
        for block in blocks {
            do {
                let result = try node.submit(block)
                if !result.invalid.isEmpty { rejected += 1 }
            } catch {
                rejected += 1
                logger.warning("block \(block.hash): \(error)")
            }
        }
        let (height, hash) = node.sync { ($0.chain.height, $0.chain.tip.hash) }
        print("imported \(blocks.count - rejected) of \(blocks.count) blocks; tip \(height) \(hash)")
    }
}

struct ExportBlocks: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the active chain (after genesis) to a bootstrap file.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The block file to write.")
    var file: String

    func run() throws {
        let chain = try openChain(store)
        let blocks = try chain.index.active.dropFirst().map { try chain.block($0.hash)! }
        try BlockFile.write(blocks, to: URL(fileURLWithPath: file))
        print("exported \(blocks.count) blocks")
    }
}

func openChain(_ options: StoreOptions) throws -> ChainState {
    let configuration = options.nodeConfiguration()
    guard FileManager.default.fileExists(atPath: configuration.storePath) else {
        throw ValidationError("no store at \(configuration.storePath)")
    }
    let store = try ChainStore(path: configuration.storePath, network: options.network)
    return try ChainState(store: store, parameters: options.network.parameters)
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify that the stored UTXO set equals a replay of the chain from genesis.")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let chain = try openChain(store)
        let stored = try chain.store.allCoins()
        let replayed = try chain.replayCoins().coins
        let consistent = stored == replayed
        if json {
            print(#"{"height":\#(chain.height),"tip":"\#(chain.tip.hash)","coins":\#(stored.count),"consistent":\#(consistent)}"#)
        } else {
            print("height \(chain.height) tip \(chain.tip.hash) coins \(stored.count) consistent \(consistent)")
        }
        if !consistent { throw ExitCode(1) }
    }
}

struct RestoreSnapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a data directory from a snapshot (DATADIR/snapshots/chain-HEIGHT.sqlite).")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The snapshot file.")
    var snapshot: String

    @Flag(help: "Replace an existing store.")
    var force = false

    func run() throws {
        let configuration = store.nodeConfiguration()
        let manager = FileManager.default
        if manager.fileExists(atPath: configuration.storePath) {
            guard force else { throw ValidationError("\(configuration.storePath) exists; add --force to replace it") }
            for suffix in ["", "-wal", "-shm"] { try? manager.removeItem(atPath: configuration.storePath + suffix) }
        }
        try manager.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        try manager.copyItem(atPath: snapshot, toPath: configuration.storePath)
        let chain = try openChain(store)
        print("restored: height \(chain.height) tip \(chain.tip.hash)")
    }
}
