import ArgumentParser
import Foundation
import TallyChain
import TallyCommandLine
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWire

/// The steps of `scripts/lan propagation`, which brings up the LAN and calls these in turn: the
/// funding chain and signed payments made beforehand (`prepare`), a block's payments sent to one
/// node until every mempool holds them (`fill`), one block mined and timed from the nodes' own logs
/// (`block`), single payments timed until every node announces them (`payments`), and every node's
/// tip and peers at the end (`survey`). Every step but `prepare` and `block` runs inside a host of
/// the LAN (`ip netns exec`), from where every node's address is reachable.
struct Propagation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propagation",
        abstract: "The steps of scripts/lan propagation (each prints one JSON object).",
        subcommands: [Prepare.self, Fill.self, TimeBlock.self, Payments.self, Survey.self])
}

/// Where the LAN's nodes listen: HOST is 1…hosts, the node of host I at SUBNET.I:PORT.
struct LANOptions: ParsableArguments {
    @Option(help: "Hosts on the LAN (1…N).")
    var hosts: Int

    @Option(help: "The first three octets of the hosts' addresses.")
    var subnet = "10.77.0"

    @Option(help: "The nodes' P2P port.")
    var port = 18733

    func address(_ host: Int) -> String { "\(subnet).\(host)" }

    /// The host a node's IPv4 address names, if it is on the LAN.
    func host(of address: NetworkAddress) -> Int? {
        guard let octets = address.ipv4, octets.count == 4,
            "\(octets[0]).\(octets[1]).\(octets[2])" == subnet, (1...hosts).contains(Int(octets[3]))
        else { return nil }
        return Int(octets[3])
    }

    func client(_ host: Int, timeout: TimeInterval = 5) throws -> PeerClient {
        try PeerClient(
            host: address(host), port: port, network: .regtest, userAgent: "/tally-bench:propagation/",
            timeout: timeout)
    }

    /// One `getstatus` on a connection of its own (nil: the node did not answer).
    func status(_ host: Int) -> StatusMessage? {
        guard let client = try? client(host) else { return nil }
        defer { client.close() }
        return try? client.status()
    }
}

/// A file of signed transactions: a count, then each one's length and bytes (little-endian u32s).
enum PaymentFile {
    static func write(_ transactions: [Transaction], to url: URL) throws {
        var writer = ByteWriter()
        writer.write(UInt32(transactions.count))
        for tx in transactions {
            let bytes = tx.encoded
            writer.write(UInt32(bytes.count))
            writer.write(bytes: bytes)
        }
        try Data(writer.bytes).write(to: url)
    }

    static func read(_ url: URL) throws -> [Transaction] {
        var reader = ByteReader(Array(try Data(contentsOf: url)))
        let count = Int(try reader.readUInt32())
        return try (0..<count).map { _ in
            let length = Int(try reader.readUInt32())
            return try Transaction(decoding: try reader.readBytes(length))
        }
    }
}

/// Seconds since the epoch, in milliseconds, for the JSON.
func epochMilliseconds(_ date: Date) -> Double { (date.timeIntervalSince1970 * 1000).rounded() }

extension Propagation {
    /// A regtest chain whose coinbases are fanned out into one output per payment (bench
    /// `Funding`), and the payments spending them: `blocks × transactions` for the blocks, then
    /// `singles` more sent one at a time. Each payment is typical: one input, two outputs.
    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the funding chain (premined.dat) and signed payments (payments.dat, singles.dat).")

        @Option(help: "Blocks to fill.")
        var blocks = 20

        @Option(help: "Payments in each block.")
        var transactions = 1_000

        @Option(help: "Payments sent one at a time afterwards.")
        var singles = 10

        @Option(help: "Directory to write to.")
        var out: String

        func validate() throws {
            guard (1...1_000).contains(blocks), (1...4_000).contains(transactions), (0...1_000).contains(singles)
            else { throw ValidationError("--blocks 1…1000, --transactions 1…4000, --singles 0…1000") }
        }

        func run() throws {
            let directory = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let total = blocks * transactions + singles
            let funding = try Funding(outputs: total)
            let payee = TestChain.address(TestChain.key(2))
            let payments = (0..<total).map { funding.payment($0, to: payee) }
            try BlockFile.write(funding.blocks, to: directory.appendingPathComponent("premined.dat"))
            try PaymentFile.write(
                Array(payments.prefix(blocks * transactions)), to: directory.appendingPathComponent("payments.dat"))
            try PaymentFile.write(
                Array(payments.suffix(singles)), to: directory.appendingPathComponent("singles.dat"))
            try printJSON(
                Report(
                    premined: funding.blocks.count, payments: blocks * transactions, singles: singles,
                    paymentBytes: payments.map(\.size).reduce(0, +) / max(1, payments.count)))
        }

        struct Report: Codable {
            let premined: Int
            let payments: Int
            let singles: Int
            /// The mean size of one payment.
            let paymentBytes: Int
        }
    }

    /// Sends payments `from ..< from + count` of a file to one node, waits for its verdict on the
    /// last (a node answers a peer's requests after the verdicts on the transactions it sent
    /// before), then asks every node's status until every mempool holds `expect` transactions.
    struct Fill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send payments to one node; wait until every node's mempool holds them.")

        @OptionGroup var lan: LANOptions

        @Option(help: "The file of payments.")
        var payments: String

        @Option(help: "The first payment to send.")
        var from = 0

        @Option(help: "How many to send.")
        var count: Int

        @Option(help: "The host to send them to.")
        var to = 1

        @Option(help: "Seconds to wait for every mempool.")
        var timeout = 300.0

        func run() throws {
            let all = try PaymentFile.read(URL(fileURLWithPath: payments))
            guard from >= 0, count > 0, from + count <= all.count else {
                throw CommandFailure("payments \(from)..<\(from + count) are not in the file (\(all.count))")
            }
            let batch = Array(all[from..<(from + count)])
            let started = Date()
            let client = try lan.client(to, timeout: 10)
            defer { client.close() }
            for tx in batch { client.send(.tx(tx)) }
            let last = batch[batch.count - 1].txid
            client.send(.getData(GetDataMessage(inventory: [.transaction(last)])))
            var rejected: [String] = []
            var taken = false
            while !taken {
                switch try client.next(timeout: 120, waitingFor: "the verdict on the last payment") {
                case .reject(let reject):
                    rejected.append("\(reject.hash.map { "\($0)" } ?? reject.message): \(reject.reason)")
                case .tx(let tx) where tx.txid == last: taken = true
                case .notFound(let missing) where missing.inventory.contains(.transaction(last)):
                    throw CommandFailure("host \(to) did not take the last payment; rejected: \(rejected.prefix(3))")
                default: break
                }
            }
            guard rejected.isEmpty else {
                throw CommandFailure("host \(to) rejected \(rejected.count) payments: \(rejected.prefix(3))")
            }
            let submitted = Date()
            // Once a node holds them all it keeps them until a block comes: ask only the others.
            var pending = Set(1...lan.hosts)
            var counts: [Int: Int] = [:]
            var queries = 0
            let deadline = started.addingTimeInterval(timeout)
            while !pending.isEmpty {
                for host in pending.sorted() {
                    queries += 1
                    guard let status = lan.status(host) else { continue }
                    counts[host] = Int(status.mempoolTransactionCount)
                    if status.mempoolTransactionCount >= count { pending.remove(host) }
                }
                if pending.isEmpty { break }
                guard Date() < deadline else {
                    let behind = pending.sorted().map { "host \($0): \(counts[$0].map(String.init) ?? "no answer")" }
                    throw CommandFailure("mempools still short after \(Int(timeout)) s: \(behind.prefix(10))")
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
            try printJSON(
                Report(
                    payments: count, sendSeconds: submitted.timeIntervalSince(started),
                    everyMempoolSeconds: Date().timeIntervalSince(started), statusQueries: queries,
                    mempoolMaximum: counts.values.max() ?? 0))
        }

        struct Report: Codable {
            let payments: Int
            /// Until the node's verdict on the last one.
            let sendSeconds: Double
            /// Until every mempool held them all (as seen by status queries half a second apart).
            let everyMempoolSeconds: Double
            let statusQueries: Int
            /// The largest mempool seen: more than `payments` means leftovers of an earlier block.
            let mempoolMaximum: Int
        }
    }

    /// Runs the command after `--` (it makes host `miner` mine one block), then reads the nodes'
    /// logs from where they ended before it: the miner's `mined block HASH found at TIME`, then each
    /// node's `block HEIGHT HASH … at TIME` (the moment it made the block its tip, to the
    /// millisecond). Nothing is asked of the nodes: the logs are files, and every process shares
    /// this machine's clock.
    struct TimeBlock: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "block", abstract: "Mine one block (the command after --) and time it from the logs.")

        @Option(help: "Hosts on the LAN (1…N).")
        var hosts: Int

        @Option(help: "The LAN's directory (DIR/hostI/tallyd.log).")
        var lanDirectory: String

        @Option(help: "The host that mines.")
        var miner: Int

        @Option(help: "Seconds to wait for every node.")
        var timeout = 120.0

        @Argument(parsing: .postTerminator, help: "The command that makes the miner mine one block.")
        var command: [String]

        func run() throws {
            let logs = try (1...hosts).map { host in
                try LogTail(URL(fileURLWithPath: lanDirectory).appendingPathComponent("host\(host)/tallyd.log"))
            }
            let trigger = Process()
            trigger.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            trigger.arguments = command
            trigger.standardOutput = FileHandle.nullDevice
            try trigger.run()
            trigger.waitUntilExit()
            guard trigger.terminationStatus == 0 else {
                throw CommandFailure("\(command.joined(separator: " ")) exited with \(trigger.terminationStatus)")
            }
            let deadline = Date().addingTimeInterval(timeout)
            var found: (hash: String, time: Date)?
            var tips: [Int: (time: Date, height: Int, transactions: Int)] = [:]
            var pendingLines: [Int: [String]] = [:]
            while tips.count < hosts {
                for (index, log) in logs.enumerated() {
                    let host = index + 1
                    guard tips[host] == nil else { continue }
                    pendingLines[host, default: []] += try log.newLines()
                    if found == nil, host == miner {
                        for line in pendingLines[host]! {
                            if let mined = Self.mined(line) { found = mined }
                        }
                    }
                    guard let hash = found?.hash else { continue }
                    for line in pendingLines[host]! {
                        if let tip = Self.tip(line, hash: hash) {
                            tips[host] = tip
                            break
                        }
                    }
                    pendingLines[host] = []
                }
                if tips.count == hosts { break }
                guard Date() < deadline else { break }
                // Lines of the other hosts read before the miner's were kept in `pendingLines`.
                Thread.sleep(forTimeInterval: 0.05)
            }
            guard let found else {
                throw CommandFailure("host \(miner) logged no mined block within \(Int(timeout)) s")
            }
            let delays = tips.keys.sorted().map { tips[$0]!.time.timeIntervalSince(found.time) * 1000 }
            let height = tips[miner]?.height ?? tips.values.first?.height ?? 0
            try printJSON(
                Report(
                    hash: found.hash, height: height, miner: miner,
                    transactions: tips[miner]?.transactions ?? 0, foundAtMs: epochMilliseconds(found.time),
                    toAllMs: tips.count == hosts ? (delays.max() ?? 0) : nil,
                    medianMs: delays.isEmpty ? 0 : delays.sorted()[delays.count / 2],
                    hostMs: (1...hosts).map { host in tips[host].map { $0.time.timeIntervalSince(found.time) * 1000 } },
                    missing: (1...hosts).filter { tips[$0] == nil }))
            if tips.count < hosts { throw ExitCode.failure }
        }

        /// `mined block HASH found at TIME`.
        static func mined(_ line: String) -> (hash: String, time: Date)? {
            guard let start = line.range(of: "mined block ") else { return nil }
            let words = line[start.upperBound...].split(separator: " ")
            guard words.count >= 4, words[1] == "found", words[2] == "at",
                let time = try? Node.millisecondTime.parse(String(words[3]))
            else { return nil }
            return (String(words[0]), time)
        }

        /// `block HEIGHT HASH time T txs N at TIME`, for the block `hash`.
        static func tip(_ line: String, hash: String) -> (time: Date, height: Int, transactions: Int)? {
            guard let start = line.range(of: "block "), let at = line.range(of: " \(hash) time ") else { return nil }
            let words = line[at.upperBound...].split(separator: " ")
            guard let height = line[start.upperBound..<at.lowerBound].split(separator: " ").last.flatMap({ Int($0) }),
                words.count >= 5, words[1] == "txs", let count = Int(words[2]), words[3] == "at",
                let time = try? Node.millisecondTime.parse(String(words[4]))
            else { return nil }
            return (time, height, count)
        }

        struct Report: Codable {
            let hash: String
            let height: Int
            let miner: Int
            /// Transactions in the block, its coinbase included.
            let transactions: Int
            let foundAtMs: Double
            /// From the miner finding it to the last node making it its tip (nil: some never did).
            let toAllMs: Double?
            let medianMs: Double
            /// For each host 1…N, from the miner finding it to that node making it its tip.
            let hostMs: [Double?]
            let missing: [Int]
        }
    }

    /// Opens a listening connection to every node, then sends each single payment to one node, a
    /// second apart at least (after the last one has reached every node, or the timeout), and times
    /// it until every node has announced it (a node announces what it took into its mempool within
    /// its 100 ms batch, so each time is an upper bound by that much).
    struct Payments: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send payments one at a time to one node; time each until every node announces it.")

        @OptionGroup var lan: LANOptions

        @Option(help: "The file of payments.")
        var payments: String

        @Option(help: "The host to send them to.")
        var to = 1

        @Option(help: "Seconds between two payments (at least).")
        var interval = 1.0

        @Option(help: "Seconds to wait for one payment to reach every node.")
        var timeout = 30.0

        func run() throws {
            let all = try PaymentFile.read(URL(fileURLWithPath: payments))
            let listeners = AnnouncementListeners(network: .regtest, userAgent: "/tally-bench:propagation/")
            defer { listeners.close() }
            try listeners.connect(
                hosts: Array(1...lan.hosts), address: lan.address, port: lan.port, timeout: 30 + Double(lan.hosts) / 5)
            let sender = try lan.client(to, timeout: 10)
            defer { sender.close() }
            var times: [Double?] = []
            var missing: [[Int]] = []
            for tx in all {
                let sent = Date()
                sender.send(.tx(tx))
                let seen = listeners.wait(for: tx.txid, until: sent.addingTimeInterval(timeout))
                times.append(seen.count == lan.hosts ? (seen.values.max()!.timeIntervalSince(sent) * 1000) : nil)
                missing.append((1...lan.hosts).filter { seen[$0] == nil })
                Thread.sleep(forTimeInterval: max(0, interval - Date().timeIntervalSince(sent)))
            }
            let reached = times.compactMap { $0 }
            try printJSON(
                Report(
                    payments: all.count, to: to, toAllMs: times,
                    maxMs: reached.count == all.count ? reached.max() : nil,
                    missing: missing.map(\.count)))
            if reached.count < all.count { throw ExitCode.failure }
        }

        struct Report: Codable {
            let payments: Int
            let to: Int
            /// Each payment, from sending it to the last node's announcement (nil: some never did).
            let toAllMs: [Double?]
            let maxMs: Double?
            /// For each payment, how many nodes never announced it.
            let missing: [Int]
        }
    }

    /// Every node's height, tip and peers (one status query each), and the graph their
    /// connections make: whether it is connected and its diameter. With `--wait`, asks again every
    /// 2 s until every node answers at `--height`, the graph is connected and every node has at
    /// least `--peers` peers (or the timeout: the last survey is printed, exit code 1).
    struct Survey: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every node's tip and peers, and whether their connections form one network.")

        @OptionGroup var lan: LANOptions

        @Flag(help: "Ask again until every node answers at --height, connected, with --peers peers.")
        var wait = false

        @Option(help: "With --wait: the height every node must have.")
        var height = 0

        @Option(help: "With --wait: the peers every node must have.")
        var peers = 1

        @Option(help: "With --wait: seconds to wait.")
        var timeout = 120.0

        func run() throws {
            let deadline = Date().addingTimeInterval(timeout)
            var report = survey()
            while wait, !report.isReady(height: height, peers: peers), Date() < deadline {
                Thread.sleep(forTimeInterval: 2)
                report = survey()
            }
            try printJSON(report)
            if wait, !report.isReady(height: height, peers: peers) { throw ExitCode.failure }
        }

        func survey() -> Report {
            let statuses = (1...lan.hosts).map { lan.status($0) }
            var neighbours: [Set<Int>] = Array(repeating: [], count: lan.hosts + 1)
            for (index, status) in statuses.enumerated() {
                for peer in status?.peers ?? [] where peer.userAgent.hasPrefix("/tallyd") {
                    guard let other = lan.host(of: peer.address), other != index + 1 else { continue }
                    neighbours[index + 1].insert(other)
                    neighbours[other].insert(index + 1)
                }
            }
            // Breadth first from every host: connected, and the longest shortest path.
            var diameter = 0
            var connected = true
            for start in 1...lan.hosts {
                var distance = [Int: Int]()
                distance[start] = 0
                var queue = [start]
                var next = 0
                while next < queue.count {
                    let host = queue[next]
                    next += 1
                    for other in neighbours[host] where distance[other] == nil {
                        distance[other] = distance[host]! + 1
                        queue.append(other)
                    }
                }
                if distance.count < lan.hosts { connected = false }
                diameter = max(diameter, distance.values.max() ?? 0)
            }
            let tips = Dictionary(grouping: statuses.compactMap { $0 }, by: { "\($0.tipHash)" }).mapValues(\.count)
            return Report(
                hosts: lan.hosts, answered: statuses.compactMap { $0 }.count,
                heights: statuses.map { $0.map { Int($0.height) } }, tips: tips,
                peers: statuses.map { status in
                    status.map { $0.peers.filter { $0.userAgent.hasPrefix("/tallyd") }.count }
                },
                inbound: statuses.map { status in
                    status.map { $0.peers.filter { $0.inbound && $0.userAgent.hasPrefix("/tallyd") }.count }
                },
                mempools: statuses.map { $0.map { Int($0.mempoolTransactionCount) } },
                connected: connected, diameter: connected ? diameter : nil)
        }

        struct Report: Codable {
            let hosts: Int
            let answered: Int
            /// Per host 1…N (nil: no answer).
            let heights: [Int?]
            /// How many nodes stand on each tip.
            let tips: [String: Int]
            /// Per host: connected `tallyd` peers, and of them inbound.
            let peers: [Int?]
            let inbound: [Int?]
            let mempools: [Int?]
            /// Whether the nodes' connections link every node to every other.
            let connected: Bool
            /// The most hops between two nodes (nil when not connected).
            let diameter: Int?

            func isReady(height: Int, peers minimum: Int) -> Bool {
                answered == hosts && connected && heights.allSatisfy { ($0 ?? -1) >= height }
                    && peers.allSatisfy { ($0 ?? 0) >= minimum }
            }
        }
    }
}

/// Reads the lines a log file gains, from where it ended when this was made.
final class LogTail {
    private let handle: FileHandle
    private var partial: [UInt8] = []

    init(_ url: URL) throws {
        handle = try FileHandle(forReadingFrom: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// The whole lines written since the last call.
    func newLines() throws -> [String] {
        guard let data = try handle.readToEnd(), !data.isEmpty else { return [] }
        partial += data
        guard let last = partial.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let lines = partial[..<last].split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        partial.removeSubrange(...last)
        return lines
    }
}
