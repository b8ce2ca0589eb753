import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWire
import Testing

/// What a stranger's chain can make a node store (Protocol.md §13.8): headers of a chain with less
/// work than ours are counted, never stored, unless the chain turns out to have more work; blocks
/// nobody asked for are stored only on a chain that can win; a peer serving a wrong body for a block
/// it was asked for is penalised and does not hold the sync up. Each peer is a raw client on its own
/// 127.0.0.x that plays its part by hand.
@Suite(.serialized) struct StrangerChainTests {
    /// `count` blocks on genesis, made in this process (tagged so that two chains differ).
    static func chain(_ count: Int, tag: String) throws -> [Block] {
        try forks(common: 0, ([count], tag: tag))[0]
    }

    /// Chains that share their first `common` blocks, then go on `lengths` more blocks each.
    static func forks(common: Int, _ branches: (lengths: [Int], tag: String)) throws -> [[Block]] {
        let t = try TestChain()
        func extend(_ count: Int, on parent: BlockIndexEntry, tag: String) throws -> [Block] {
            var blocks: [Block] = []
            var parent = parent
            for _ in 0..<count {
                let block = t.block(on: parent, tag: tag)
                _ = try t.chain.acceptBlock(block)
                blocks.append(block)
                parent = t.chain.index[block.hash]!
            }
            return blocks
        }
        let shared = try extend(common, on: t.chain.tip, tag: "common")
        let fork = t.chain.tip
        return try branches.lengths.enumerated().map { i, length in
            try shared + extend(length, on: fork, tag: "\(branches.tag) \(i)")
        }
    }

    /// A node whose store holds `blocks` (imported before it starts).
    static func node(_ name: String, holding blocks: [Block], extra: [String] = []) throws -> TestNode {
        let node = try TestNode(name)
        let file = node.directory.appendingPathComponent("chain.dat")
        try BlockFile.write(blocks, to: file)
        let process = Process()
        process.executableURL = Tallyd.binary
        process.arguments = [
            "import-blocks", "--regtest", "--datadir", node.dataDirectory, file.path, "--log-level", "error",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        try node.start(extra)
        return node
    }

    static func storeBytes(_ node: TestNode) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: node.dataDirectory)) ?? []
        return names.filter { $0.hasPrefix("chain.sqlite") }.reduce(0) { total, name in
            let path = node.dataDirectory + "/" + name
            return total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }

    /// Answers `client`'s requests from `blocks` (a chain on genesis) until `done` holds or
    /// `timeout` passes: `getheaders` by its locator, `getdata` with the blocks (`tamper` rewrites a
    /// block's body before it goes; nil: not sent at all).
    static func serve(
        _ blocks: [Block], to client: PeerClient, timeout: TimeInterval,
        tamper: (Block) -> Block? = { $0 }, until done: () -> Bool
    ) {
        var heights: [Hash256: Int] = [ChainParameters.regtest.genesisHash: 0]
        var byHash: [Hash256: Block] = [:]
        for (i, block) in blocks.enumerated() {
            heights[block.hash] = i + 1
            byHash[block.hash] = block
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !done() {
            guard let message = try? client.next(timeout: 0.2) else { continue }
            switch message {
            case .getHeaders(let request):
                let start = request.locator.lazy.compactMap { heights[$0] }.first ?? 0
                let headers = blocks[start..<min(blocks.count, start + HeadersMessage.maximumCount)].map(\.header)
                client.send(.headers(HeadersMessage(headers: Array(headers))))
            case .getData(let request):
                for item in request.inventory {
                    if let block = byHash[item.hash], let sent = tamper(block) { client.send(.block(sent)) }
                }
            default:
                break
            }
        }
    }

    /// The same header with another body: the coinbase's tag changed, so R7 fails.
    static func withAnotherBody(_ block: Block) -> Block {
        let coinbase = block.transactions[0]
        let height = coinbase.coinbaseData?.height ?? 0
        let other = Transaction.coinbase(
            CoinbaseData(height: height, tag: Array("another body".utf8)), outputs: coinbase.outputs)
        return Block(header: block.header, transactions: [other] + block.transactions.dropFirst())
    }

    @Test func lowWorkHeadersAndUnaskedBlocksOverReconnectionsStoreNothing() throws {
        let ours = try Self.chain(2_050, tag: "ours")
        let node = try Self.node("stranger-disk", holding: ours)
        let theirs = try Self.chain(2_040, tag: "theirs")
        let before = Self.storeBytes(node)
        let watch = ProbeWatch(node)
        for round in 0..<5 {
            let stranger = try PeerClient(
                host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.51")
            // The first 2,000 headers of a chain with less work than ours, a full message: the node
            // asks for more, and is sent them, up to the end, where the chain has less work still.
            stranger.send(.headers(HeadersMessage(headers: theirs.prefix(2_000).map(\.header))))
            Self.serve(theirs, to: stranger, timeout: 5) {
                node.log.components(separatedBy: "ended with less work than ours").count > round + 1
            }
            // Blocks of that chain and of an old fork of ours, unasked.
            stranger.send(.block(theirs[1_999]))
            stranger.send(.block(theirs[2_030]))
            stranger.send(.block(HostileLoadTests.block(on: ours[9].header, height: 11, tag: "stale \(round)")))
            Thread.sleep(forTimeInterval: 0.3)
            stranger.close()
        }
        let status = try node.status()
        #expect(status.tipHash == ours[ours.count - 1].hash && status.bestHeaderHeight == UInt32(ours.count))
        let grown = Self.storeBytes(node) - before
        #expect(grown < 5 * 1024 * 1024, "the store grew by \(grown) bytes")
        let probe = try node.client()
        let known = try probe.headers(after: [ChainParameters.regtest.genesisHash])
        #expect(known.count == ours.count && known.last?.hash == ours[ours.count - 1].hash)
        #expect(node.log.contains("headers of chains with less work than ours"))
        HostileLoadTests.expectComposure(
            node, watch, "low-work chains and unasked blocks, 5 reconnections",
            outcome: "nothing of theirs stored; the store grew by \(grown) bytes; host charged across connections")
        node.stop()
        let stored = try ChainStore(path: node.dataDirectory + "/chain.sqlite", network: .regtest).loadHeaders()
        #expect(stored.count == ours.count + 1, "\(stored.count - ours.count - 1) headers of theirs stored")
        print("low-work chains over 5 connections: the store grew by \(grown) bytes")
    }

    @Test func aHeavierChainThatStartsWithLessWorkIsCountedThenTaken() throws {
        // Their first 2,000 headers lead to less work than our tip; the rest to more.
        let chains = try Self.forks(common: 1_990, ([20, 40], tag: "branch"))
        let (ours, theirs) = (chains[0], chains[1])
        let node = try Self.node("stranger-heavier", holding: ours)
        let tip = theirs[theirs.count - 1].hash
        let watch = ProbeWatch(node)
        let peer = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.52")
        peer.send(.headers(HeadersMessage(headers: theirs.prefix(2_000).map(\.header))))
        Self.serve(theirs, to: peer, timeout: 60) { (try? node.status().tipHash) == tip }
        #expect(try node.status().tipHash == tip)
        #expect(try node.status().height == UInt32(theirs.count))
        #expect(node.log.contains("its chain has more work than ours after"))
        HostileLoadTests.expectComposure(
            node, watch, "a heavier fork whose first 2,000 headers have less work",
            outcome: "counted, asked for again, stored and taken")
    }

    @Test func aPeerServingAnotherBodyIsPenalisedAndAnHonestOneGetsTheNodeToTheTip() throws {
        let blocks = try Self.chain(40, tag: "served")
        let tip = blocks[blocks.count - 1].hash
        let node = try TestNode("stranger-lie")
        try node.start()
        let watch = ProbeWatch(node)
        let started = Date()
        // The liar announces the chain, answers the first block it is asked for with another body,
        // and nothing else.
        let liar = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.53")
        liar.send(.headers(HeadersMessage(headers: blocks.map(\.header))))
        var lied = false
        Self.serve(
            blocks, to: liar, timeout: 10,
            tamper: { block in
                defer { lied = true }
                return lied ? nil : Self.withAnotherBody(block)
            },
            until: { node.log.contains("served with another body") })
        #expect(node.log.contains("served with another body"))
        let honest = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.54")
        honest.send(.headers(HeadersMessage(headers: blocks.map(\.header))))
        Self.serve(blocks, to: honest, timeout: 40) { (try? node.status().tipHash) == tip }
        #expect(try node.status().tipHash == tip)
        HostileLoadTests.expectComposure(
            node, watch, "a peer serving another body, and an honest one",
            outcome:
                "liar charged 50, not asked again; honest tip reached in \(Int(Date().timeIntervalSince(started))) s")
        liar.close()
    }
}
