import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWire
import Testing

/// The LAN of `scripts/lan` under trouble: a partition healed (plain, with 5 % packet loss, with
/// 50 ms more latency each way), and nodes killed with SIGKILL at random instants while they mine
/// and sync. Root only, like the rest of `LANTests` (an extension, so that every test that makes
/// the namespaces runs one at a time).
///
/// Short in CI. `scripts/lan report` runs them long (TALLY_LAN_FULL=1, TALLY_LAN_KILLS) and turns
/// the figures each writes to TALLY_LAN_RESULTS (one JSON object a line) into markdown.
extension LANTests {
    static let nodePort = 18733
    static var full: Bool { ProcessInfo.processInfo.environment["TALLY_LAN_FULL"] == "1" }
    static var kills: Int { Int(ProcessInfo.processInfo.environment["TALLY_LAN_KILLS"] ?? "") ?? 6 }
    static var splitSeconds: Double { full ? 40 : 10 }

    enum Trouble: String { case plain, loss, latency }

    @Test(.enabled(if: LANTests.canMakeNamespaces, "needs root and iproute2 to create network namespaces"))
    func partitionHealsOntoTheHeavierSide() throws { try Self.partition(.plain) }

    // The lossy and slow variants run in `scripts/lan report` (TALLY_LAN_FULL=1), not in the quick
    // run: CI's 15 minutes.
    @Test(
        .enabled(
            if: LANTests.canMakeNamespaces && LANTests.hasNftables && LANTests.full,
            "needs root, nftables and TALLY_LAN_FULL=1")
    )
    func partitionHealsWithFivePercentPacketLoss() throws { try Self.partition(.loss) }

    @Test(
        .enabled(
            if: LANTests.canMakeNamespaces && LANTests.hasNftables && LANTests.full,
            "needs root, nftables, python3 and TALLY_LAN_FULL=1")
    )
    func partitionHealsWithFiftyMillisecondsMoreLatency() throws { try Self.partition(.latency) }

    static var hasNftables: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft")
            || FileManager.default.isExecutableFile(atPath: "/sbin/nft")
    }

    // MARK: - Partition

    /// Five hosts share 120 blocks whose coinbases pay alice; host 1 mines every 0.5 s, host 4
    /// every 1.5 s. Split 1,2,3 | 4,5: both sides mine and take payments. Heal: every node must end
    /// on the 3-side's chain, and every payment made on the 2-side must be in that chain or back in
    /// a mempool (it then gets mined).
    static func partition(_ trouble: Trouble) throws {
        let directory = try temporaryDirectory("lan-\(trouble.rawValue)")
        defer { tearDown(directory) }
        let builder = try TestChain()
        let alice = TestChain.key(1)
        let bob = TestChain.key(2)
        let premined = try builder.mine(120, payTo: TestChain.address(alice))
        try seed(premined, hosts: 1...5, directory: directory)

        let up = try Self.lan(["up", "5"], directory: directory, environment: ["TALLY_LAN_MINE": "1:0.5,4:1.5"])
        #expect(up.contains("5 hosts up"), "\(up)")
        if trouble == .loss { try Self.lan(["loss", "5"], directory: directory) }
        try waitForMesh(directory: directory, minimumHeight: 121)

        var baselineRoundTrip: Double?
        var roundTrip = try medianRoundTrip(from: 1, to: 2)
        if trouble == .latency {
            baselineRoundTrip = roundTrip
            let delayed = try Self.lan(["delay", "50"], directory: directory)
            #expect(delayed.contains("+50 ms"), "\(delayed)")
            roundTrip = try medianRoundTrip(from: 1, to: 2)
            // One relay per connection: 50 ms on the way out, 50 ms on the way back.
            #expect(
                roundTrip - baselineRoundTrip! >= 0.095,
                "round trip \(roundTrip) s, \(baselineRoundTrip!) s without the relay")
            try waitForMesh(directory: directory, minimumHeight: 121)
            // The nodes' own connections now go through the relays: each connection passes the relay
            // of the host that opened it, so a mesh of five needs at least four of them in all.
            try waitUntil("the nodes' connections through the relays", timeout: 20) {
                try (1...5).map { try relayedConnections(host: $0) }.reduce(0, +) >= 4
            }
        }

        // Payments: alice's coinbases 1…5 spent on the heavy side, 6…11 on the light side, where
        // one payment also has a child spending its output.
        func pay(_ height: Int, fee: UInt64 = 50_000) -> Transaction {
            let coinbase = premined[height - 1].transactions[0]
            return builder.spend(
                [(TestChain.outpoint(coinbase), alice)],
                to: [TxOutput(amount: coinbase.outputs[0].amount - fee, address: TestChain.address(bob))])
        }
        let heavyPayments = (1...5).map { pay($0) }
        var lightPayments = (6...11).map { pay($0) }
        let child = builder.spend(
            [(TestChain.outpoint(lightPayments[0]), bob)],
            to: [TxOutput(amount: lightPayments[0].outputs[0].amount - 50_000, address: TestChain.address(alice))])
        lightPayments.insert(child, at: 1)

        // No block may be half-way across the cut: a node that has a header and not its block
        // does not mine (Protocol.md §13.8), so a miner that heard the other side's header just
        // before the split would not mine for the whole split. So the miners restart without
        // mining, the LAN settles on one tip, the split comes, and then they mine again. (A
        // miner stopped with SIGTERM mines one last block while it shuts down and announces it
        // without serving it; here it is announced on its own side only, and served when the
        // miner restarts.)
        // Host 4 first, and host 1 only once host 4 follows it: had both just found a block at one
        // height, the two equal-work tips would both stand (first seen wins) with nobody mining.
        try restart([4], directory: directory, extra: ["idle"])
        try waitUntil("host 4 on host 1's chain", timeout: 30) { try status(4).tipHash == status(1).tipHash }
        try restart([1], directory: directory, extra: ["idle"])
        var common = try status(2)
        try waitUntil("all five on one tip with every block", timeout: 30) {
            common = try status(2)
            return try (1...5).allSatisfy { host in
                let status = try status(host)
                return status.tipHash == common.tipHash && status.bestHeaderHeight == status.height && !status.syncing
            }
        }
        let splitHeight = Int(common.height)
        let split = try Self.lan(["split", "1,2,3", "4,5"], directory: directory)
        #expect(split.contains("split"), "\(split)")
        let splitAt = Date()
        try restart([1, 4], directory: directory)
        try waitUntil("the miners answering again", timeout: 20) {
            try [1, 4].allSatisfy { Int(try status($0).height) >= splitHeight }
        }
        // Most payments early (so that they are mined on their side), the last ones late.
        for (index, tx) in heavyPayments.enumerated() where index < 4 { try submit(tx, to: [1, 2, 3][index % 3]) }
        for (index, tx) in lightPayments.enumerated() where index < 5 { try submit(tx, to: [4, 5][index % 2]) }
        Thread.sleep(forTimeInterval: max(0, splitSeconds - 3 - Date().timeIntervalSince(splitAt)))
        try submit(heavyPayments[4], to: 2)
        for tx in lightPayments.dropFirst(5) { try submit(tx, to: 5) }
        Thread.sleep(forTimeInterval: max(0, splitSeconds - Date().timeIntervalSince(splitAt)))

        // Before healing: each side agrees inside, and the sides differ.
        var heavy = try status(1)
        try waitUntil("hosts 1, 2 and 3 on one tip", timeout: 20) {
            heavy = try status(1)
            return try [2, 3].allSatisfy { try status($0).tipHash == heavy.tipHash }
        }
        var light = try status(4)
        // Known node bug: when the split starts while host 5 is fetching a block from the other
        // fork, host 4 answers `notfound`, which tallyd ignores; 10 s later host 4 counts as
        // stalling and gets no block requests for 60 s, so host 5, which has no other peer on its
        // side, stays behind for the rest of the split. Recorded as a known issue until tallyd
        // takes notfound as an answer (and asks only peers whose chain holds the block).
        withKnownIssue("host 5 stalls on host 4 after a notfound (tallyd ignores notfound)", isIntermittent: true) {
            try waitUntil("host 5 on host 4's tip", timeout: 15) {
                light = try status(4)
                return try status(5).tipHash == light.tipHash
            }
        }
        light = try status(4)
        #expect(heavy.height > light.height, "heavy side \(heavy.height), light side \(light.height)")
        #expect(Int(light.height) > splitHeight, "the light side mined nothing during the split")
        let lightChain = try activeChain(4)
        let heavyChain = try activeChain(1)
        #expect(!lightChain.contains(heavy.tipHash) && !heavyChain.contains(light.tipHash))
        let minedOnLightSide = try transactions(in: 4, after: splitHeight)
        let lightMined = lightPayments.filter { minedOnLightSide.contains($0.txid) }.count
        #expect(lightMined >= 1, "no payment was mined on the light side")

        // Heal, and time how long until every node's chain holds the heavy side's tip.
        let healed = try Self.lan(["heal"], directory: directory)
        #expect(healed.contains("healed"), "\(healed)")
        let healAt = Date()
        try waitUntil("every node on the heavy side's chain", timeout: 120) {
            try (1...5).allSatisfy { host in
                let chain = try activeChain(host)
                return chain.contains(heavy.tipHash) && !chain.contains(light.tipHash)
            }
        }
        let convergence = Date().timeIntervalSince(healAt)
        try waitUntil("all five on one tip", timeout: 30) {
            let tips = try (1...5).map { try status($0).tipHash }
            return Set(tips).count == 1
        }

        // Nothing is lost: every light-side payment is in the joint chain or in a mempool …
        var missing: [Hash256] = []
        var lost: [String] = []
        let names = Dictionary(
            uniqueKeysWithValues: lightPayments.enumerated().map { ($1.txid, $0 == 1 ? "the child" : "payment \($0)") })
        try? waitUntil("every light-side payment in the chain or a mempool", timeout: 30) {
            let mined = try transactions(in: 1, after: splitHeight)
            var pooled = Set<Hash256>()
            for host in 1...5 { pooled.formUnion(try mempool(host)) }
            missing = lightPayments.map(\.txid).filter { !mined.contains($0) && !pooled.contains($0) }
            return missing.isEmpty
        }
        lost = missing.map { names[$0] ?? "\($0)" }
        #expect(missing.isEmpty, "lost: \(lost) \(missing)")
        try #require(missing.isEmpty)
        // … and then mined on the heavy chain (the heavy side's miner keeps mining), like the heavy
        // side's own.
        var minedAgainAt = Date()
        try waitUntil("every payment mined on the joint chain", timeout: 60) {
            let mined = try transactions(in: 1, after: splitHeight)
            minedAgainAt = Date()
            return (heavyPayments + lightPayments).allSatisfy { mined.contains($0.txid) }
        }

        let summary = String(
            format:
                "partition (%@): heal → one chain in %.1f s; heavy +%d, light +%d blocks; %d of %d light-side payments mined on the light side, all in the joint chain %.1f s after the heal; round trip %.1f ms%@",
            trouble.rawValue, convergence, Int(heavy.height) - splitHeight, Int(light.height) - splitHeight,
            lightMined, lightPayments.count, minedAgainAt.timeIntervalSince(healAt), roundTrip * 1000,
            baselineRoundTrip.map { String(format: " (%.1f ms without the relay)", $0 * 1000) } ?? "")
        print(summary)
        _ = try Self.lan(["down"], directory: directory)
        var figures: [String: Any] = [
            "scenario": "partition", "trouble": trouble.rawValue, "healSeconds": convergence,
            "splitSeconds": splitSeconds, "heavyBlocks": Int(heavy.height) - splitHeight,
            "lightBlocks": Int(light.height) - splitHeight,
            "lightPayments": lightPayments.count, "lightPaymentsMinedOnLightSide": lightMined,
            "minedAgainSeconds": minedAgainAt.timeIntervalSince(healAt), "roundTripMs": roundTrip * 1000,
            "peakMemoryKB": peakMemory(directory),
        ]
        if let baselineRoundTrip { figures["baselineRoundTripMs"] = baselineRoundTrip * 1000 }
        record(figures)
    }

    // MARK: - Crashes

    /// Five hosts, two of them mining (every 0.3 s and 0.7 s); hosts 1 and 2 start with 300 blocks
    /// the others must download. SIGKILL a random node at a random instant, TALLY_LAN_KILLS times:
    /// each killed store must pass `tallyd check` (its UTXO set equals a replay of its chain), and
    /// each restarted node must catch up with the others; every other kill lands on the node just
    /// restarted, while it syncs.
    @Test(.enabled(if: LANTests.canMakeNamespaces, "needs root and iproute2 to create network namespaces"))
    func nodesKilledAtRandomRestartConsistentAndCatchUp() throws {
        let directory = try temporaryDirectory("lan-crash")
        defer { Self.tearDown(directory) }
        let builder = try TestChain()
        try Self.seed(
            try builder.mine(300, payTo: TestChain.address(TestChain.key(1))), hosts: 1...2, directory: directory)
        let up = try Self.lan(["up", "5"], directory: directory, environment: ["TALLY_LAN_MINE": "1:0.3,2:0.7"])
        #expect(up.contains("5 hosts up"), "\(up)")
        try waitUntil("five hosts answering", timeout: 30) {
            try (1...5).allSatisfy { try Self.status($0).height >= 0 }
        }

        var random = SystemRandomNumberGenerator()
        var kills = 0
        var killsWhileSyncing = 0
        var checks = 0
        var catchUps = 0
        var catchUpSeconds: [Double] = []
        var lastRestarted: Int?
        var running = Set(1...5)
        let started = Date()
        for round in 0..<Self.kills {
            // Every other kill hits the node just restarted, soon: it is still starting or syncing.
            let host: Int
            if let restarted = lastRestarted, Bool.random(using: &random) {
                host = restarted
                Thread.sleep(forTimeInterval: Double.random(in: 0.05...1.0, using: &random))
                killsWhileSyncing += 1
            } else {
                host = Int.random(in: 1...5, using: &random)
                Thread.sleep(forTimeInterval: Double.random(in: 0.2...2.0, using: &random))
            }
            let killed = try Self.run(["kill", "\(host)"], directory: directory)
            #expect(
                killed.status == 0 && killed.output.contains("stopped (SIGKILL)"), "round \(round): \(killed.output)")
            if killed.status == 0 { kills += 1 }
            running.remove(host)

            let check = try Self.run(["check", "\(host)"], directory: directory)
            #expect(
                check.status == 0 && check.output.contains(#""consistent":true"#),
                "round \(round), host \(host): \(check.output)")
            if check.status == 0 { checks += 1 }

            // What the others have now; the restarted node must reach it.
            let target = running.compactMap { try? Self.status($0).height }.max() ?? 0
            // Some nodes stay down a while, so that they have blocks to catch up on.
            if Int.random(in: 0..<4, using: &random) == 0 {
                Thread.sleep(forTimeInterval: Double.random(in: 1...3, using: &random))
            }
            let start = try Self.run(["start", "\(host)"], directory: directory)
            #expect(start.status == 0, "round \(round): \(start.output)")
            running.insert(host)
            let restartedAt = Date()
            if Bool.random(using: &random) {
                lastRestarted = host
            } else {
                lastRestarted = nil
                try waitUntil("host \(host) to catch up to height \(target)", timeout: 60) {
                    try Self.status(host).height >= target
                }
                catchUpSeconds.append(Date().timeIntervalSince(restartedAt))
                catchUps += 1
            }
        }
        let killPhase = Date().timeIntervalSince(started)

        // In the end every node holds the chain host 1 has. With two miners a tip can still lose to
        // a rival block, so host 2 stops mining first and host 1 mines two more blocks: its tip is
        // then final. (Host 1 answers once started: the last kill may have been its own.)
        try Self.restart([2], directory: directory, extra: ["idle"])
        var heightThen = 0
        try waitUntil("host 1 answering", timeout: 30) {
            heightThen = Int(try Self.status(1).height)
            return true
        }
        try waitUntil("host 1 mining on alone", timeout: 30) { Int(try Self.status(1).height) >= heightThen + 2 }
        let tip = try Self.status(1).tipHash
        try waitUntil("every node on host 1's chain", timeout: 60) {
            try (1...5).allSatisfy { try Self.activeChain($0).contains(tip) }
        }
        // Every store, stopped cleanly, is consistent too.
        for host in 1...5 {
            let stop = try Self.run(["stop", "\(host)"], directory: directory)
            #expect(stop.status == 0, "\(stop.output)")
            let check = try Self.run(["check", "\(host)"], directory: directory)
            #expect(check.status == 0 && check.output.contains(#""consistent":true"#), "host \(host): \(check.output)")
        }
        #expect(kills == Self.kills)
        #expect(checks == kills)
        let finalHeight = try Self.chainHeight(directory, host: 1)
        print(
            String(
                format:
                    "crash: %d kills (%d while starting or syncing), %d consistent checks, %d catch-ups (longest %.1f s), %.0f s, final height %d",
                kills, killsWhileSyncing, checks, catchUps, catchUpSeconds.max() ?? 0, killPhase, finalHeight))
        _ = try Self.lan(["down"], directory: directory)
        Self.record([
            "scenario": "crash", "kills": kills, "killsWhileSyncing": killsWhileSyncing, "consistentChecks": checks,
            "catchUps": catchUps, "longestCatchUpSeconds": catchUpSeconds.max() ?? 0,
            "meanCatchUpSeconds": catchUpSeconds.isEmpty
                ? 0 : catchUpSeconds.reduce(0, +) / Double(catchUpSeconds.count),
            "seconds": killPhase, "finalHeight": finalHeight, "peakMemoryKB": Self.peakMemory(directory),
        ])
    }

    // MARK: - Helpers

    /// `scripts/lan stop` then `start` (with `extra` arguments) for each host.
    static func restart(_ hosts: [Int], directory: URL, extra: [String] = []) throws {
        for host in hosts {
            let stopped = try Self.run(["stop", "\(host)"], directory: directory)
            #expect(stopped.status == 0, "\(stopped.output)")
            let started = try Self.run(["start", "\(host)"] + extra, directory: directory)
            #expect(started.status == 0, "\(started.output)")
        }
    }

    /// `scripts/lan down`, whatever happened; the logs stay when TALLY_LAN_KEEP=1.
    static func tearDown(_ directory: URL) {
        _ = try? Self.lan(["down"], directory: directory)
        if ProcessInfo.processInfo.environment["TALLY_LAN_KEEP"] == "1" {
            print("kept \(directory.path)")
        } else {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Imports `blocks` into the data directories of `hosts` before `scripts/lan up` starts them.
    static func seed(_ blocks: [Block], hosts: ClosedRange<Int>, directory: URL) throws {
        let file = directory.appendingPathComponent("premined.dat")
        try BlockFile.write(blocks, to: file)
        let first = directory.appendingPathComponent("host\(hosts.lowerBound)/data")
        let imported = try Tallyd.run([
            "import-blocks", "--regtest", "--datadir", first.path, file.path, "--log-level", "error",
        ])
        #expect(
            imported.status == 0 && imported.output.contains("imported \(blocks.count) of \(blocks.count)"),
            "\(imported.output)")
        // The others get a copy of the store (not of the reward key).
        for host in hosts.dropFirst() {
            let data = directory.appendingPathComponent("host\(host)/data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: first.path)
            where name.hasPrefix("chain.sqlite") {
                try FileManager.default.copyItem(
                    at: first.appendingPathComponent(name), to: data.appendingPathComponent(name))
            }
        }
    }

    /// Every host connected to the four others, at `minimumHeight` or above.
    static func waitForMesh(directory: URL, minimumHeight: UInt32) throws {
        try waitUntil("five hosts meshed by discovery", timeout: 60) {
            try (1...5).allSatisfy { host in
                let status = try status(host)
                return status.height >= minimumHeight
                    && status.peers.filter { $0.userAgent.hasPrefix("/tallyd") }.count >= 4
            }
        }
    }

    /// Runs `body` on a thread of its own that entered host `host`'s network namespace. Sockets it
    /// opens, and threads it starts (a PeerClient's event loop), live in that namespace; a socket
    /// keeps its namespace whichever thread uses it later.
    static func inHost<T>(_ host: Int, _ body: @escaping () throws -> T) throws -> T {
        let box = NamespaceCall(body)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result {
                let fd = open("/var/run/netns/tally-lan-\(host)", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw LANFailure("no namespace tally-lan-\(host)") }
                defer { close(fd) }
                guard enterNamespace(fd) == 0 else { throw LANFailure("setns tally-lan-\(host): errno \(errno)") }
                return try box.body()
            }
            done.signal()
        }
        thread.start()
        done.wait()
        return try box.result!.get()
    }

    /// A wire-protocol client of host `host`'s node, from inside that host.
    static func client(_ host: Int, to target: Int? = nil) throws -> PeerClient {
        try inHost(host) {
            try PeerClient(host: "10.77.0.\(target ?? host)", port: nodePort, network: .regtest, timeout: 5)
        }
    }

    static func withClient<T>(_ host: Int, _ body: (PeerClient) throws -> T) throws -> T {
        let client = try client(host)
        defer { client.close() }
        return try body(client)
    }

    static func status(_ host: Int) throws -> StatusMessage { try withClient(host) { try $0.status() } }
    static func mempool(_ host: Int) throws -> Set<Hash256> { try withClient(host) { Set(try $0.mempool()) } }

    /// The hashes of host `host`'s active chain, genesis excluded.
    static func activeChain(_ host: Int) throws -> [Hash256] {
        try withClient(host) { try $0.headers(after: [ChainParameters.regtest.genesisHash]).map(\.hash) }
    }

    /// The txids in host `host`'s active chain above `height`.
    static func transactions(in host: Int, after height: Int) throws -> Set<Hash256> {
        try withClient(host) { client in
            let headers = try client.headers(after: [ChainParameters.regtest.genesisHash])
            let blocks = try client.blocks(headers.dropFirst(height).map(\.hash))
            return Set(blocks.flatMap { $0.transactions.map(\.txid) })
        }
    }

    static func submit(_ tx: Transaction, to host: Int) throws {
        let reject = try withClient(host) { try $0.submit(tx, waitForReject: 0.5) }
        #expect(reject == nil, "host \(host) rejected \(tx.txid): \(reject?.reason ?? "")")
    }

    /// The median of 9 `getstatus` round trips from host `from` to host `to`'s node, in seconds.
    static func medianRoundTrip(from: Int, to: Int) throws -> Double {
        let client = try client(from, to: to)
        defer { client.close() }
        _ = try client.status()
        var times: [Double] = []
        for _ in 0..<9 {
            let start = Date()
            _ = try client.status()
            times.append(Date().timeIntervalSince(start))
        }
        return times.sorted()[times.count / 2]
    }

    /// TCP connections of host `host` that go through its delay relay (accepted on the relay's port).
    static func relayedConnections(host: Int) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = [
            "netns", "exec", "tally-lan-\(host)", "ss", "-Htn", "state", "established", "( sport = :18799 )",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").count
    }

    /// The height of host `host`'s stopped store.
    static func chainHeight(_ directory: URL, host: Int) throws -> Int {
        let check = try Self.run(["check", "\(host)"], directory: directory)
        let object = try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any]
        return object?["height"] as? Int ?? -1
    }

    /// The largest VmHWM `scripts/lan` wrote down for a tallyd it stopped or killed, in kB.
    static func peakMemory(_ directory: URL) -> Int {
        let log = (try? String(contentsOf: directory.appendingPathComponent("memory.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.max() ?? 0
    }

    /// Appends `figures` as one line of JSON to TALLY_LAN_RESULTS, when set (scripts/lan report).
    static func record(_ figures: [String: Any]) {
        guard let path = ProcessInfo.processInfo.environment["TALLY_LAN_RESULTS"],
            let data = try? JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        else { return }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(data + Data("\n".utf8))
    }
}

/// A call handed to a thread of its own, and its result handed back.
private final class NamespaceCall<T>: @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
}

/// setns(fd, CLONE_NEWNET) for the calling thread (Glibc's Swift module does not show setns).
private func enterNamespace(_ fd: Int32) -> Int32 {
    typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else {
        errno = ENOSYS
        return -1
    }
    return unsafeBitCast(symbol, to: SetNS.self)(fd, 0x4000_0000)  // CLONE_NEWNET
}

struct LANFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
