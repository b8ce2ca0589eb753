import ArgumentParser
import Foundation
import Logging
import NIOCore
import Synchronization
import TallyChain
import TallyCommandLine
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
        discussion: "Exit codes: 0 stopped cleanly, 1 failed (the message says why), 64 usage.",
        version: TallyVersion.current,
        subcommands: [Run.self, ImportBlocks.self, ExportBlocks.self, Check.self, RestoreSnapshot.self],
        defaultSubcommand: Run.self)

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // The node's options are what people look for: `tallyd --help` shows them, then the other commands.
        if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(
                Tallyd.helpMessage(for: Run.self)
                    .replacingOccurrences(
                        of: "OVERVIEW: \(Run.configuration.abstract)", with: "OVERVIEW: \(configuration.abstract)"
                    )
                    .replacingOccurrences(of: "tallyd run ", with: "tallyd "))
            print(
                """

                OTHER COMMANDS:
                  import-blocks, export-blocks, check, restore-snapshot   ('tallyd help COMMAND' for each)

                Exit codes: 0 stopped cleanly, 1 failed (the message says why), 64 usage.
                """)
            Foundation.exit(0)
        }
        let expanded: [String]
        do {
            expanded = try ConfigFile.expand(
                arguments, subcommands: configuration.subcommands.compactMap { $0.configuration.commandName })
        } catch let failure as CommandFailure {
            CommandRunner.report("tallyd", failure.message)
            Foundation.exit(failure.code.rawValue)
        } catch {
            CommandRunner.report("tallyd", sentence(for: error))
            Foundation.exit(1)
        }
        CommandRunner.main(Self.self, arguments: expanded)
    }
}

/// Options every subcommand shares: which network, which data directory.
struct StoreOptions: ParsableArguments {
    @Flag(help: "Use the regtest network (trivial proof of work, for tests and demos).")
    var regtest = false

    @Option(name: .customLong("datadir"), help: "Data directory; ~/.tally/NETWORK when not given.")
    var dataDirectory: String?

    @Option(help: "How much the log says.")
    var logLevel: Logger.Level = .info

    var network: Network { regtest ? .regtest : .main }

    func nodeConfiguration() -> NodeConfiguration {
        let directory = dataDirectory.map { URL(fileURLWithPath: $0) } ?? defaultDataDirectory(for: network)
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

    @Option(
        help: ArgumentHelp(
            "Read options from this file, one 'option = value' a line; DATADIR/tally.conf when it exists otherwise. The command line wins.",
            valueName: "file"))
    var conf: String?

    @Flag(help: "Mine blocks on the tip.")
    var mine = false

    @Option(help: "Mining threads, 1 or more; one per core when not given.")
    var threads: Int?

    @Option(help: "Address to pay mined coins to; a key the node keeps in its data directory when not given.")
    var rewardAddress: String?

    @Option(help: "Seconds to pause after each block this node mines; 1 on regtest, 0 on main when not given.")
    var mineInterval: Double?

    @Option(help: "TCP port for peers, 0 for any free port; 8733 on main, 18733 on regtest when not given.")
    var port: Int?

    @Option(help: "Address to listen on: 0.0.0.0 or an interface's address for a LAN.")
    var bind = "127.0.0.1"

    @Option(name: .customLong("peer"), help: "host:port of a peer to keep connected (repeatable).")
    var peers: [String] = []

    @Option(help: "UDP port for discovery; 8734 on main, 18734 on regtest when not given.")
    var discoveryPort: Int?

    @Option(help: "Where discovery announcements go; the broadcast address of the bound interface when not given.")
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

    @Option(
        name: .customLong("http"),
        help: ArgumentHelp(
            "Serve the JSON API, the explorer page and /metrics on HOST:PORT (off by default).",
            valueName: "host:port"))
    var http: String?

    @Option(help: "Take a snapshot of the store every N blocks (0: never).")
    var snapshotEvery: UInt32 = 1_000

    @Option(help: "How many snapshots to keep.")
    var snapshotKeep = 3

    func validate() throws {
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads is 1 to 1024 (to run without mining, leave out --mine)")
        }
        if let port, !Port.isValid(port, allowingAny: true) {
            throw ValidationError("--port \(port) is out of range: \(Port.rangeDescription(allowingAny: true))")
        }
        if let discoveryPort, !Port.isValid(discoveryPort) {
            throw ValidationError("--discovery-port \(discoveryPort) is out of range: \(Port.rangeDescription())")
        }
        for peer in peers {
            do { _ = try HostPort(parsing: peer) } catch { throw ValidationError("--peer \(error)") }
        }
        if let http {
            do { _ = try HostPort(parsing: http, allowingAnyPort: true) } catch {
                throw ValidationError("--http \(error)")
            }
        }
        guard maxInbound >= 0, maxOutbound >= 0 else {
            throw ValidationError("--max-inbound and --max-outbound are 0 or more")
        }
        if let mineInterval, mineInterval < 0 { throw ValidationError("--mine-interval is 0 or more seconds") }
    }

    func run() throws {
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        // Block SIGINT and SIGTERM before any thread starts, so every thread inherits the block and
        // the signal waits, pending, for `sigwait` below (a thread that did not block it could
        // swallow it).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let logger = store.makeLogger()
        let httpTarget = try http.map { try HostPort(parsing: $0, allowingAnyPort: true) }
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
                throw CommandFailure(
                    "--reward-address '\(rewardAddress)' is not a \(store.network.rawValue) address: \(addressProblem(error))"
                )
            }
        }
        let node = try openNode(configuration, logger: logger)
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
            network.userAgent = "/tallyd:\(TallyVersion.current)/"
            do {
                try node.startNetwork(network)
            } catch {
                throw listenFailure(
                    error, what: "port \(network.port) (P2P)", address: bind, fix: "choose another --port")
            }
        }
        var explorer: ExplorerServer?
        if let httpTarget, let metrics {
            let server = try ExplorerServer(node: node, registry: metrics, logger: logger)
            let port: Int
            do {
                port = try server.start(host: httpTarget.host, port: httpTarget.port)
            } catch {
                throw listenFailure(
                    error, what: "port \(httpTarget.port) (HTTP)", address: httpTarget.host,
                    fix: "choose another --http")
            }
            logger.notice(
                "HTTP API and explorer on http://\(httpTarget.host.contains(":") ? "[\(httpTarget.host)]" : httpTarget.host):\(port)/"
            )
            explorer = server
        }

        if mine {
            logger.notice(
                "mining to \(Address(network: store.network, hash: node.rewardAddress)) on \(threads) thread(s), kernel \(NonceScanner.implementation)"
            )
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
        try? node.flushChain()
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
        logger.info(
            "hashrate \(String(format: "%.0f", rate)) H/s height \(node.sync { $0.chain.height }) peers \(peers)")
    }

    func stop() { running.store(false, ordering: .relaxed) }
}

struct ImportBlocks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect the blocks of a bootstrap file (as export-blocks writes).")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The block file.")
    var file: String

    func run() throws {
        let logger = store.makeLogger()
        var configuration = store.nodeConfiguration()
        configuration.snapshotInterval = 0
        let node = try openNode(configuration, logger: logger)
        let blocks: [Block]
        do { blocks = try BlockFile.read(URL(fileURLWithPath: file)) } catch {
            throw CommandFailure("cannot read the block file \(file): \(fileProblem(error))")
        }
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
        try node.flushChain()
        let (height, hash) = node.sync { ($0.chain.height, $0.chain.tip.hash) }
        print("imported \(blocks.count - rejected) of \(blocks.count) blocks; tip \(height) \(hash)")
    }
}

struct ExportBlocks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the active chain (after genesis) to a bootstrap file.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The block file to write.")
    var file: String

    func run() throws {
        let chain = try openChain(store)
        let blocks = try chain.index.active.dropFirst().map { try chain.block($0.hash)! }
        do { try BlockFile.write(blocks, to: URL(fileURLWithPath: file)) } catch {
            throw CommandFailure("cannot write the block file \(file): \(fileProblem(error))")
        }
        print("exported \(blocks.count) blocks")
    }
}

func openChain(_ options: StoreOptions) throws -> ChainState {
    let configuration = options.nodeConfiguration()
    guard FileManager.default.fileExists(atPath: configuration.storePath) else {
        throw CommandFailure(
            "there is no chain store at \(configuration.storePath): check --datadir\(options.regtest ? "" : " (and --regtest)")"
        )
    }
    do {
        let store = try ChainStore(path: configuration.storePath, network: options.network)
        return try ChainState(store: store, parameters: options.network.parameters)
    } catch {
        throw storeFailure(error, path: configuration.storePath)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify that the stored UTXO set equals a replay of the chain from genesis.")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let chain = try openChain(store)
        let stored = try chain.store.allCoins()
        let replayed = try chain.replayCoins().coins
        let consistent = stored == replayed
        if json {
            print(
                #"{"height":\#(chain.height),"tip":"\#(chain.tip.hash)","coins":\#(stored.count),"consistent":\#(consistent)}"#
            )
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
            guard force else {
                throw CommandFailure(
                    "\(configuration.storePath) exists: add --force to replace it (nothing was changed)")
            }
            for suffix in ["", "-wal", "-shm"] { try? manager.removeItem(atPath: configuration.storePath + suffix) }
        }
        do {
            try manager.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
            try manager.copyItem(atPath: snapshot, toPath: configuration.storePath)
        } catch {
            throw CommandFailure(
                "cannot copy the snapshot \(snapshot) to \(configuration.storePath): \(fileProblem(error))")
        }
        let chain = try openChain(store)
        print("restored: height \(chain.height) tip \(chain.tip.hash)")
    }
}
