import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyTestSupport
import TallyWire
import Testing

/// Peers that lie at volume: a thousand connections, slow handshakes, inventory floods, blocks
/// nobody asked for, forged and low-work headers. For each the node must disconnect or penalise
/// the peer, keep its memory bounded, and answer a probe within 200 ms throughout (Protocol.md
/// §13.6, §13.8). Each case attacks from its own 127.0.0.x, so a ban hits that "host" alone.
@Suite(.serialized) struct HostileLoadTests {
    static let codec = MessageCodec(network: .regtest)
    /// What the issue asks of every probe answer during an attack.
    static let probeBound: TimeInterval = 0.2

    /// A node with a chain of `height` blocks, no longer mining, watched by a probe.
    func quietNode(_ name: String, height: UInt32) throws -> TestNode {
        let node = try TestNode(name)
        try node.start(["--mine", "--threads", "1", "--mine-interval", "0"])
        try waitUntil("\(name) mined \(height) blocks", timeout: 60) { node.height() >= height }
        node.stop()
        try node.start()
        return node
    }

    /// Checks what every case must leave behind: the probe always answered in time, and the node's
    /// peak memory stayed bounded.
    /// (Also for the other suites of attacks, so that `scripts/lan report` lists every one.)
    static func expectComposure(_ node: TestNode, _ watch: ProbeWatch, _ what: String, outcome: String) {
        let probes = watch.stop()
        #expect(probes.failures == 0, "\(what): \(probes.failures) probes failed")
        #expect(probes.count >= 1, "\(what): no probe finished")
        #expect(probes.slowest < Self.probeBound, "\(what): slowest probe answer \(Int(probes.slowest * 1000)) ms")
        let memory = node.memory()
        #expect(memory.peakKiB < 200 * 1024, "\(what): peak memory \(memory.peakKiB / 1024) MiB")
        print(
            "\(what): \(probes.count) probes, slowest \(String(format: "%.1f", probes.slowest * 1000)) ms; "
                + "node memory \(memory.residentKiB / 1024) MiB, peak \(memory.peakKiB / 1024) MiB")
        // For `scripts/lan report`.
        LANTests.record([
            "scenario": "hostile", "case": what, "outcome": outcome, "probes": probes.count,
            "probeFailures": probes.failures, "slowestProbeMs": (probes.slowest * 10_000).rounded() / 10,
            "peakMiB": memory.peakKiB / 1024,
        ])
    }

    @Test func aThousandConnectionsAndSlowHandshakesDisplaceOnlyTheirOwnHost() throws {
        let node = try TestNode("crowded")
        try node.start()
        let watch = ProbeWatch(node)

        // 1,000 connections from one host: it keeps at most the inbound slots, never more sockets.
        var crowd: [RawPeer] = []
        for _ in 0..<1_000 { crowd.append(try RawPeer(from: "127.0.0.31", to: node.port)) }
        Thread.sleep(forTimeInterval: 2)
        let sockets = node.openDescriptors()
        #expect(sockets < 64 + 40, "\(sockets) descriptors open with 1,000 connections knocking")
        #expect(try node.status().height == 0)
        crowd.removeAll()

        // 40 handshakes dribbled a byte every 300 ms (a whole `version` would take ~40 s): every one
        // is closed at the 10 s handshake deadline.
        let version = Self.codec.encode(
            .version(
                VersionMessage(
                    services: [], timestamp: Int64(Date().timeIntervalSince1970), receiverServices: .network,
                    receiverAddress: .unspecified,
                    senderServices: [], senderAddress: .unspecified, nonce: 1, userAgent: "/slow:0/", startHeight: 0,
                    relay: true)))
        let slow = try (0..<40).map { _ in try RawPeer(from: "127.0.0.32", to: node.port) }
        let started = Date()
        var sent = 0
        while sent < version.count && Date().timeIntervalSince(started) < 16 && !slow.allSatisfy({ $0.isClosed() }) {
            for peer in slow { peer.send([version[sent]]) }
            sent += 1
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(
            slow.allSatisfy { $0.isClosed() },
            "slow handshakes still open after \(Int(Date().timeIntervalSince(started))) s")
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(node.log.contains("no handshake within 10 s"))
        Self.expectComposure(
            node, watch, "1,000 connections, 40 slow handshakes",
            outcome:
                "at most \(sockets) descriptors open; every slow handshake closed after \(Int(Date().timeIntervalSince(started))) s"
        )
    }

    @Test func anInventoryFloodIsCutOff() throws {
        let node = try TestNode("flooded")
        try node.start()
        let watch = ProbeWatch(node)
        let flooder = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.33")
        // 10,000 entries a second, in ten `inv`s of 1,000 made-up transactions, for at most 40 s.
        let started = Date()
        var entries = 0
        while Date().timeIntervalSince(started) < 40 {
            let inventory = (0..<1_000).map { _ in InventoryVector.transaction(Hash256(bytes: SecureRandom.bytes(32))) }
            flooder.send(.inv(InvMessage(inventory: inventory)))
            entries += inventory.count
            // Paces the flood at ten messages a second, and notices the node hanging up.
            if flooder.closedByNode(within: 0.1) { break }
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 30, "the flood went on for \(Int(seconds)) s")
        #expect(node.log.contains("banned 127.0.0.33"))
        print("inventory flood: cut off after \(entries) entries in \(String(format: "%.1f", seconds)) s")
        Self.expectComposure(
            node, watch, "10,000 inv entries a second",
            outcome: "banned after \(entries) entries in \(String(format: "%.1f", seconds)) s")
    }

    @Test func unaskedForStaleBlocksAreDroppedAndPunishedButANewTipIsTaken() throws {
        let node = try quietNode("pushed", height: 12)
        let watch = ProbeWatch(node)
        let honest = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.34")
        let chain = try honest.headers(after: [ChainParameters.regtest.genesisHash])
        // A miner may push its new block unasked: it extends the tip, so it is taken.
        let next = Self.block(on: chain[chain.count - 1], height: UInt32(chain.count + 1), tag: "pushed")
        honest.send(.block(next))
        try waitUntil("the pushed block became the tip", timeout: 10) { try node.status().tipHash == next.hash }

        // Blocks on an old fork nobody announced: dropped unprocessed, a nuisance each, banned at ten.
        let attacker = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.35")
        for i in 0..<12 {
            attacker.send(.block(Self.block(on: chain[2], height: 4, tag: "stale \(i)")))
        }
        #expect(attacker.closedByNode(within: 5))
        #expect(node.log.contains("banned 127.0.0.35"))
        #expect(node.log.contains("not asked for"))
        #expect(try node.status().tipHash == next.hash)
        #expect(try node.status().peers.contains { $0.banScore == 0 && $0.address.port != 0 })
        Self.expectComposure(
            node, watch, "unrequested blocks",
            outcome: "stale ones dropped, sender banned at the tenth; a pushed new tip taken")
    }

    @Test func forgedAndLowWorkHeadersAreRefusedWithoutBeingStored() throws {
        let node = try quietNode("forged", height: 60)
        let watch = ProbeWatch(node)
        let honest = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.36")
        let chain = try honest.headers(after: [ChainParameters.regtest.genesisHash])
        honest.close()

        // A header on the tip whose hash misses its target: invalid, banned at once.
        let forger = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.37")
        var forged = BlockHeader(
            version: 1, previousBlockHash: chain[chain.count - 1].hash, merkleRoot: .zero,
            time: chain[chain.count - 1].time + 1, bits: 0x207f_ffff, nonce: 0)
        while !(Target.decode(bits: forged.bits)! < UInt256(forged.hash)) { forged.nonce += 1 }
        forger.send(.headers(HeadersMessage(headers: [forged])))
        #expect(forger.closedByNode(within: 5))
        #expect(node.log.contains("banned 127.0.0.37"))

        // A long fork from height 5 with less work than the tip, sent again and again (each time a
        // different fork): never stored, and after 8,000 such headers the sender is banned.
        let liar = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.38")
        var forks = 0
        for round in 0..<200 {
            liar.send(.headers(HeadersMessage(headers: Self.headers(on: chain[4], count: 50, tag: UInt32(round)))))
            forks += 1
            if liar.closedByNode(within: 0.02) { break }
        }
        #expect(liar.closedByNode(within: 5))
        #expect(forks <= 170, "\(forks) forks of 50 headers before a ban")
        #expect(node.log.contains("banned 127.0.0.38"))
        let status = try node.status()
        #expect(status.height == chain.count && status.bestHeaderHeight == chain.count)
        Self.expectComposure(
            node, watch, "bad proof of work; long low-work fork",
            outcome: "forger banned at once; liar banned after \(forks * 50) low-work headers, none stored")
    }

    /// A valid block with only a coinbase, tagged so each one differs.
    static func block(on parent: BlockHeader, height: UInt32, tag: String) -> Block {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: height, tag: Array(tag.utf8)),
            outputs: [TxOutput(amount: 1_000, address: TestChain.address(TestChain.key(5)))])
        return TestChain.solved(
            Block(
                header: BlockHeader(
                    version: 1, previousBlockHash: parent.hash, merkleRoot: coinbase.wtxid,
                    time: parent.time + 1, bits: 0x207f_ffff, nonce: 0),
                transactions: [coinbase]))
    }

    /// `count` solved headers on `parent` (the merkle root only makes them differ).
    static func headers(on parent: BlockHeader, count: Int, tag: UInt32) -> [BlockHeader] {
        var headers: [BlockHeader] = []
        var previous = parent
        for i in 0..<count {
            var header = BlockHeader(
                version: 1, previousBlockHash: previous.hash,
                merkleRoot: Hash256(w0: UInt64(tag), w1: UInt64(i), w2: 0, w3: 0),
                time: previous.time + 1, bits: 0x207f_ffff, nonce: 0)
            while Target.decode(bits: header.bits)! < UInt256(header.hash) { header.nonce += 1 }
            headers.append(header)
            previous = header
        }
        return headers
    }
}

/// Asks a node for its status every 100 ms on a thread of its own, timing each answer.
final class ProbeWatch: @unchecked Sendable {
    struct Summary {
        var count = 0
        var failures = 0
        var slowest: TimeInterval = 0
    }

    private let lock = NSLock()
    private var summary = Summary()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    init(_ node: TestNode) {
        let port = node.port
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let started = Date()
                let answered = (try? Probe.query(host: "127.0.0.1", port: port, network: .regtest, timeout: 2)) != nil
                let took = Date().timeIntervalSince(started)
                lock.withLock {
                    summary.count += 1
                    if !answered { summary.failures += 1 }
                    summary.slowest = max(summary.slowest, took)
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            finished.signal()
        }
    }

    func stop() -> Summary {
        lock.withLock { running = false }
        finished.wait()
        return lock.withLock { summary }
    }
}

extension TestNode {
    /// Resident and peak resident memory, from /proc.
    func memory() -> (residentKiB: Int, peakKiB: Int) {
        guard let pid = process?.processIdentifier,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return (0, 0) }
        func field(_ name: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    func openDescriptors() -> Int {
        guard let pid = process?.processIdentifier else { return 0 }
        return (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }
}
