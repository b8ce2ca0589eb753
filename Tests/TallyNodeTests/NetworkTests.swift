import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWire
import Testing

/// Real `tallyd` processes on 127.0.0.1: convergence, late sync, heaviest chain after a partition,
/// transaction relay, discovery.
@Suite(.serialized) struct NetworkTests {
    static let alice = TestChain.key(1)
    static let bob = TestChain.key(2)

    /// A bootstrap file of `count` regtest blocks whose coinbases pay alice (or `payee`: another chain).
    static func chainFile(_ count: Int, in directory: URL, payee: Ed25519.PrivateKey = alice) throws -> URL {
        let builder = try TestChain()
        let url = directory.appendingPathComponent(
            "chain-\(count)-\(TestChain.address(payee).bytes.prefix(4).map(String.init).joined()).dat")
        try BlockFile.write(try builder.mine(count, payTo: TestChain.address(payee)), to: url)
        return url
    }

    static func importChain(_ file: URL, into node: TestNode) throws {
        let result = try Tallyd.run(["import-blocks", "--regtest", "--datadir", node.dataDirectory, file.path])
        #expect(result.status == 0, "\(result.output)")
    }

    /// Alice's payment to bob from the coinbase at `height`, built from the node's own blocks.
    static func payment(from client: PeerClient, coinbaseHeight: UInt32, fee: UInt64 = 20_000) throws -> Transaction {
        let headers = try client.headers(after: [ChainParameters.regtest.genesisHash])
        let block = try client.blocks([headers[Int(coinbaseHeight) - 1].hash])[0]
        let coinbase = block.transactions[0]
        let tx = Transaction(
            inputs: [TxInput(outpoint: OutPoint(txid: coinbase.txid, index: 0), publicKey: alice.publicKey)],
            outputs: [TxOutput(amount: coinbase.outputs[0].amount - fee, address: TestChain.address(bob))])
        return tx.signed(with: [alice], parameters: .regtest)
    }

    /// How many blocks of the node's active chain hold `txid`.
    /// Blocks of `client`'s active chain holding `txid`, among all those above the 110 imported
    /// (where these tests' payments are mined). Not only the last 40: a miner at ten blocks a second
    /// had buried the payment deeper than that by the time both sides agreed on a loaded machine.
    static func confirmations(of txid: Hash256, in client: PeerClient) throws -> Int {
        let headers = try client.headers(after: [ChainParameters.regtest.genesisHash])
        let blocks = try client.blocks(headers.dropFirst(110).map(\.hash))
        return blocks.filter { $0.transactions.contains { $0.txid == txid } }.count
    }

    @Test func threeNodesJoinedByPeerConvergeWhileOneMines() throws {
        let n1 = try TestNode("n1")
        let n2 = try TestNode("n2")
        let n3 = try TestNode("n3")
        try n1.start(["--mine", "--threads", "1", "--mine-interval", "0.2"])
        try n2.start(["--peer", n1.target])
        try n3.start(["--peer", n2.target])
        try waitUntil("n1 to mine 15 blocks", timeout: 30) { n1.height() >= 15 }
        try waitUntil("all three on one tip", timeout: 20) {
            let tips = try [n1, n2, n3].map { try $0.status() }
            return Set(tips.map(\.tipHash)).count == 1 && tips[0].height >= 15
        }
        #expect(try n2.status().peers.contains { !$0.inbound })
        #expect(try n3.status().peers.count >= 1)
        // SIGTERM stops each one promptly, peers connected and all.
        for node in [n2, n1, n3] { #expect(node.stopsPromptly(), "\(node.name) did not stop on SIGTERM") }
    }

    @Test func aNodeStartedAfterFiveHundredBlocksSyncsToTheTip() throws {
        let n1 = try TestNode("source")
        let late = try TestNode("late")
        try Self.importChain(try Self.chainFile(500, in: n1.directory), into: n1)
        try n1.start()
        #expect(n1.height() == 500)
        let started = Date()
        try late.start(["--peer", n1.target])
        try waitUntil("the late node to reach 500", timeout: 60) { try late.status().tipHash == n1.status().tipHash }
        print("late node synced 500 blocks in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(late.log.contains("sync ") || late.log.contains("block 500"))
    }

    @Test func separatedMinersJoinOnTheHeavierChainAndTheLosersTransactionsAreMinedAgain() throws {
        let heavy = try TestNode("heavy")
        let light = try TestNode("light")
        let file = try Self.chainFile(110, in: heavy.directory)
        try Self.importChain(file, into: heavy)
        try Self.importChain(file, into: light)
        try heavy.start(["--mine", "--threads", "1", "--mine-interval", "0.1"])
        try light.start(["--mine", "--threads", "1", "--mine-interval", "0.6"])
        // A payment mined on the light side only.
        let lightClient = try light.client()
        let tx = try Self.payment(from: lightClient, coinbaseHeight: 1)
        #expect(try lightClient.submit(tx) == nil)
        try waitUntil("the payment mined on the light side", timeout: 20) {
            try Self.confirmations(of: tx.txid, in: lightClient) == 1
        }
        lightClient.close()
        try waitUntil("the heavy side to pull ahead", timeout: 30) { heavy.height() >= light.height() + 10 }

        light.stop()
        try light.start(["--mine", "--threads", "1", "--mine-interval", "0.6", "--peer", heavy.target])
        try waitUntil("both on the heavy tip", timeout: 30) {
            let h = try heavy.status()
            let l = try light.status()
            return h.tipHash == l.tipHash
        }
        #expect(light.log.contains("reorganised"))
        // The payment left with the light branch, came back to a mempool and was mined again.
        let heavyClient = try heavy.client()
        try waitUntil("the payment mined on the joint chain", timeout: 30) {
            try Self.confirmations(of: tx.txid, in: heavyClient) == 1
        }
        try waitUntil("the light node to follow", timeout: 15) {
            try Self.confirmations(of: tx.txid, in: light.client()) == 1
        }
    }

    @Test func aTransactionReachesEveryMempoolThenExactlyOneBlock() throws {
        let n1 = try TestNode("miner")
        let n2 = try TestNode("middle")
        let n3 = try TestNode("edge")
        let file = try Self.chainFile(110, in: n1.directory)
        for node in [n1, n2, n3] { try Self.importChain(file, into: node) }
        try n2.start()
        try n3.start(["--peer", n2.target])
        let edge = try n3.client()
        let tx = try Self.payment(from: edge, coinbaseHeight: 2)
        #expect(try edge.submit(tx) == nil)
        try waitUntil("the payment in both mempools", timeout: 10) {
            try n2.client().mempool().contains(tx.txid) && n3.client().mempool().contains(tx.txid)
        }
        try n1.start(["--peer", n2.target, "--mine", "--threads", "1", "--mine-interval", "0.5"])
        try waitUntil("the payment in the miner's mempool or chain", timeout: 10) {
            let miner = try n1.client()
            return try miner.mempool().contains(tx.txid) || Self.confirmations(of: tx.txid, in: miner) == 1
        }
        try waitUntil("the payment in exactly one block everywhere", timeout: 30) {
            try [n1, n2, n3].allSatisfy { try Self.confirmations(of: tx.txid, in: $0.client()) == 1 }
        }
        try waitUntil("the mempools empty again", timeout: 10) {
            try [n1, n2, n3].allSatisfy { try !$0.client().mempool().contains(tx.txid) }
        }
    }

    /// A peer on a shorter fork answers `notfound` for the longer fork's blocks: they are asked of the
    /// peer that has them at once, not after a 10 s stall (they were: `notfound` was ignored).
    @Test func blocksAPeerLacksAreAskedElsewhereAtOnce() throws {
        let directory = try temporaryDirectory("forks")
        defer { try? FileManager.default.removeItem(at: directory) }
        let shorter = try Self.chainFile(250, in: directory)
        let longer = try Self.chainFile(280, in: directory, payee: Self.bob)
        let p = try TestNode("short-fork")
        let q = try TestNode("long-fork")
        let n = try TestNode("joining")
        try Self.importChain(shorter, into: p)
        try Self.importChain(longer, into: q)
        try Self.importChain(shorter, into: n)
        try p.start()
        try q.start()
        let target = try q.status().tipHash
        let started = Date()
        try n.start(["--peer", p.target, "--peer", q.target])
        try waitUntil("the joining node on the longer fork", timeout: 30) { try n.status().tipHash == target }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 8, "took \(seconds) s")
        #expect(!n.log.contains("stalled a block download"))
    }

    /// A heavier header whose blocks never come stops the miner only for a while: after 10 s without
    /// progress it mines on its own tip again (it used to stop for as long as the header was known:
    /// a whole partition).
    @Test func aMinerWaitsForABetterChainOnlyWhileItArrives() throws {
        let node = try TestNode("patient")
        try node.start(["--mine", "--threads", "1", "--mine-interval", "0.2"])
        try waitUntil("a few blocks", timeout: 20) { node.height() >= 3 }
        let liar = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.40")
        let chain = try liar.headers(after: [ChainParameters.regtest.genesisHash])
        var headers: [BlockHeader] = []
        var parent = chain[chain.count - 1]
        for i in 0..<3 {  // three headers on the tip: more work than the node's chain until it mines three more
            var header = BlockHeader(
                version: 1, previousBlockHash: parent.hash, merkleRoot: Hash256(w0: UInt64(i), w1: 9, w2: 9, w3: 9),
                time: parent.time + 1, bits: 0x207f_ffff, nonce: 0)
            while Target.decode(bits: header.bits)! < UInt256(header.hash) { header.nonce += 1 }
            headers.append(header)
            parent = header
        }
        liar.send(.headers(HeadersMessage(headers: headers)))
        try waitUntil("the headers known", timeout: 10) {
            try node.status().bestHeaderHeight == UInt32(chain.count + 3)
        }
        let stalledAt = try node.status().height
        Thread.sleep(forTimeInterval: 3)
        #expect(try node.status().height <= stalledAt + 1, "mined on while the better chain was arriving")
        try waitUntil("mining again", timeout: 30) { try node.status().height > stalledAt + 3 }
        _ = liar
    }

    @Test func twoNodesFindEachOtherByBroadcast() throws {
        let discoveryPort = try freePort(udp: true)
        let a = try TestNode("a", discoveryPort: discoveryPort)
        let b = try TestNode("b", discoveryPort: discoveryPort)
        try a.start(discovery: true)
        try b.start(discovery: true)
        try waitUntil("a and b connected by discovery", timeout: 20) {
            try a.status().peers.contains { $0.userAgent.hasPrefix("/tallyd") }
                && b.status().peers.contains { $0.userAgent.hasPrefix("/tallyd") }
        }
        let heard = try Probe.scan(network: .regtest, port: discoveryPort, seconds: 4)
        #expect(Set(heard.map(\.announcement.port)) == [UInt16(a.port), UInt16(b.port)])
    }

    @Test func theProbeReportsEveryField() throws {
        let node = try TestNode("probed")
        try node.start(["--mine", "--threads", "1", "--mine-interval", "0.2"])
        try waitUntil("a few blocks", timeout: 20) { node.height() >= 3 }
        let probe = URL(
            fileURLWithPath: Tallyd.binary.deletingLastPathComponent().appendingPathComponent("tally-probe").path)
        let process = Process()
        process.executableURL = probe
        process.arguments = ["--regtest", "--json", node.target]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "userAgent", "protocolVersion", "network", "height", "tip", "work", "peers", "mempool", "mining",
            "hashrate", "syncing", "uptime", "nextBits", "hashesPerBlock", "recentBlocks", "meanSpacing",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        // The difficulty and the spacing of the blocks the probe walked back through.
        let height = object["height"] as? Int ?? 0
        #expect(object["nextBits"] as? String == "207fffff")
        #expect(object["recentBlocks"] as? Int == min(30, height - 1), "\(object)")
        #expect((object["meanSpacing"] as? Double).map { $0 >= 0 && $0 < 5 } == true, "\(object)")
        #expect(object["network"] as? String == "regtest")
        #expect(object["mining"] as? Bool == true)
        #expect((object["height"] as? Int ?? 0) >= 3)
        // Nothing listens here: exit code 2, "unreachable".
        let dead = Process()
        dead.executableURL = probe
        dead.arguments = ["--regtest", "127.0.0.1:\(try freePort())"]
        dead.standardError = FileHandle.nullDevice
        try dead.run()
        dead.waitUntilExit()
        #expect(dead.terminationStatus == 2)
    }
}
