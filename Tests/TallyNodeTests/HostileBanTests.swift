import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyTestSupport
import TallyWire
import Testing

/// No false bans, and no ban on another's word: what an honest peer or a mistaken tool can send
/// costs it nothing (Protocol.md §13.9), and what an attacker can forge closes nothing that works.
/// Each case connects from its own 127.0.0.x, so a ban would hit that "host" alone.
@Suite(.serialized) struct HostileBanTests {
    static let codec = MessageCodec(network: .regtest)

    /// Whether a fresh connection from `address` completes its handshake and is answered.
    static func connects(from address: String, to node: TestNode) -> Bool {
        guard
            let client = try? PeerClient(
                host: "127.0.0.1", port: node.port, network: .regtest, timeout: 3, bindTo: address)
        else { return false }
        defer { client.close() }
        return (try? client.status(timeout: 3)) != nil
    }

    @Test func anImmatureCoinbaseRaceAndAFutureBlockCostNothing() throws {
        // A chain of 100 blocks built here, paying every coinbase to a key the test holds.
        let local = try TestChain()
        let blocks = try local.mine(100)
        let node = try TestNode("racing")
        try node.start()
        let watch = ProbeWatch(node)
        let peer = try PeerClient(
            host: "127.0.0.1", port: node.port, network: .regtest, userAgent: "/ahead:1/", bindTo: "127.0.0.41")
        // The node gets 99 of them (a miner may push blocks that extend its tip); the peer is one ahead.
        for block in blocks.dropLast() { peer.send(.block(block)) }
        try waitUntil("the node reached height 99", timeout: 20) { node.height() == 99 }

        // Block 1's coinbase matures at height 101: the peer's next block, not ours (R20).
        let coinbase = blocks[0].transactions[0]
        let spend = local.spend(
            [(TestChain.outpoint(coinbase), local.miner)],
            to: [TxOutput(amount: coinbase.outputs[0].amount - 10_000, address: TestChain.address(TestChain.key(3)))])
        let reject = try #require(try peer.submit(spend, waitForReject: 3), "no verdict on the premature spend")
        #expect(reject.code == .invalid && reject.reason.contains("R20"), "\(reject.reason)")
        // Not charged: the connection stays, with a clean record, and the host may connect again.
        #expect(try peer.status().height == 99)
        #expect(try node.status().peers.contains { $0.userAgent == "/ahead:1/" && $0.banScore == 0 })
        #expect(Self.connects(from: "127.0.0.41", to: node), "the honest peer's host was refused")

        // One block later the same transaction is valid, and taken.
        peer.send(.block(blocks[99]))
        try waitUntil("the node reached height 100", timeout: 10) { node.height() == 100 }
        #expect(try peer.submit(spend, waitForReject: 1) == nil)
        #expect(try peer.mempool().contains(spend.txid))

        // A block and a header 10 minutes ahead of the node's clock (R4, 120 s allowed): refused,
        // never condemned, and the sender is not charged (its clock may simply be ahead).
        let future = local.block(on: local.chain.tip, [spend], fees: 10_000) {
            $0.header.time = UInt32(Date().timeIntervalSince1970) + 600
        }
        peer.send(.headers(HeadersMessage(headers: [future.header])))
        peer.send(.block(future))
        try waitUntil("the node logged the future block", timeout: 10) { node.log.contains("R4 time-too-new") }
        #expect(try peer.status().height == 100)
        #expect(try node.status().peers.contains { $0.userAgent == "/ahead:1/" && $0.banScore == 0 })
        #expect(!node.log.contains("banned"))
        HostileLoadTests.expectComposure(
            node, watch, "immature-coinbase race; block and header 10 min ahead",
            outcome: "refused, not charged; the host's next connection served")
    }

    /// A `version` from a raw client, whose nonce is not the node's.
    static func version(nonce: UInt64) -> Message {
        .version(
            VersionMessage(
                services: [], timestamp: Int64(Date().timeIntervalSince1970), receiverServices: .network,
                receiverAddress: .unspecified, senderServices: [], senderAddress: .unspecified, nonce: nonce,
                userAgent: "/raw:0/", startHeight: 0, relay: true))
    }

    @Test func aWrongNetworkBeforeTheHandshakeIsClosedNotBanned() throws {
        let node = try TestNode("wrong-network")
        try node.start()
        let watch = ProbeWatch(node)
        // A tool set for main (tally-probe without --regtest), and an HTTP client at the wrong port.
        let mainVersion = MessageCodec(network: .main).encode(Self.version(nonce: 5))
        let http = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        for (name, address, bytes) in [("main's magic", "127.0.0.42", mainVersion), ("HTTP", "127.0.0.43", http)] {
            let stranger = try RawPeer(from: address, to: node.port)
            stranger.send(bytes)
            #expect(stranger.closedByNode(within: 3), "\(name): not disconnected")
            #expect(Self.connects(from: address, to: node), "\(name): the host's next connection was refused")
        }
        #expect(node.log.contains("does not speak this network"))

        // After a handshake in the node's magic, a frame in another is a broken stream: banned.
        let broken = try RawPeer(from: "127.0.0.44", to: node.port)
        broken.send(Self.codec.encode(Self.version(nonce: 6)) + Self.codec.encode(.verack) + mainVersion)
        #expect(broken.closedByNode(within: 3))
        #expect(!Self.connects(from: "127.0.0.44", to: node), "a wrong magic after the handshake went unpunished")
        #expect(node.log.contains("banned 127.0.0.44"))
        #expect(!node.log.contains("banned 127.0.0.42") && !node.log.contains("banned 127.0.0.43"))
        HostileLoadTests.expectComposure(
            node, watch, "wrong network (main's magic, HTTP) before the handshake",
            outcome: "closed, not banned; the next connection served (after the handshake: banned)")
    }

    @Test func aVerackBeforeTheVersionDoesNotLiftTheHandshakeLimit() throws {
        let node = try TestNode("early-verack")
        try node.start()
        // Ten headers (815 bytes) are over the 400 allowed until the handshake completes; a `verack`
        // sent first must not count as its completion.
        let chain = HostileLoadTests.headers(on: ChainParameters.regtest.genesis.header, count: 10, tag: 45)
        let headers = Self.codec.encode(.headers(HeadersMessage(headers: chain)))
        let early = try RawPeer(from: "127.0.0.45", to: node.port)
        early.send(Self.codec.encode(.verack) + headers)
        #expect(early.closedByNode(within: 3), "a large message after an early verack was read")
        #expect(node.log.contains("banned 127.0.0.45"))
        // The proper order still lifts it: after version and verack the same headers are taken.
        let proper = try RawPeer(from: "127.0.0.46", to: node.port)
        proper.send(
            Self.codec.encode(Self.version(nonce: 8)) + Self.codec.encode(.verack) + headers
                + Self.codec.encode(.getStatus))
        #expect(!proper.closedByNode(within: 1))
        try waitUntil("the headers were taken", timeout: 5) { try node.status().bestHeaderHeight == 10 }
        #expect(!node.log.contains("banned 127.0.0.46"))
    }

    @Test func aReplayedNonceClosesNoWorkingConnection() throws {
        let node = try TestNode("replayed")
        let friend = try TestNode("friend")
        try node.start()
        let watch = ProbeWatch(node)
        try friend.start(["--peer", node.target])
        try waitUntil("the friend connected", timeout: 10) {
            try node.status().peers.contains { $0.userAgent.hasPrefix("/tallyd") }
        }
        let link = try #require(try node.status().peers.first { $0.userAgent.hasPrefix("/tallyd") }?.address)
        // The friend's nonce, as anyone can learn it (it is in every discovery datagram, too).
        let asker = try PeerClient(host: "127.0.0.1", port: friend.port, network: .regtest, bindTo: "127.0.0.47")
        let nonce = asker.remoteVersion.nonce
        asker.close()

        // The claim from the friend's own host is a duplicate: the claimant goes, the link stays.
        let claimant = try RawPeer(from: "127.0.0.1", to: node.port)
        claimant.send(Self.codec.encode(Self.version(nonce: nonce)) + Self.codec.encode(.verack))
        #expect(claimant.closedByNode(within: 3), "the duplicate newcomer was kept")
        // From another host it is not even a duplicate: both stay.
        let stranger = try RawPeer(from: "127.0.0.48", to: node.port)
        stranger.send(Self.codec.encode(Self.version(nonce: nonce)) + Self.codec.encode(.verack))
        #expect(!stranger.closedByNode(within: 1))
        // The very same connection (same port) is still up and ready.
        let peers = try node.status().peers
        #expect(peers.contains { $0.address == link && $0.userAgent.hasPrefix("/tallyd") }, "\(peers)")
        #expect(node.log.contains("duplicates a connection that stays"))
        #expect(!node.log.contains("banned"))
        HostileLoadTests.expectComposure(
            node, watch, "a replayed nonce", outcome: "the newcomer closed; the working connection stays")
    }

    /// A solved header whose parent nobody knows.
    static func unconnected(_ tag: UInt32) -> [BlockHeader] {
        let nowhere = BlockHeader(
            version: 1, previousBlockHash: Hash256(bytes: SecureRandom.bytes(32)), merkleRoot: .zero,
            time: ChainParameters.regtest.genesis.header.time + 1, bits: 0x207f_ffff, nonce: 0)
        return HostileLoadTests.headers(on: nowhere, count: 1, tag: tag)
    }

    @Test func headersThatNeverConnectAreAnsweredAFewTimesThenCharged() throws {
        let node = try TestNode("unconnected")
        try node.start()
        let watch = ProbeWatch(node)
        let genesis = ChainParameters.regtest.genesis.header

        // An announcer that makes progress between its bursts of unconnectable headers is never
        // charged: each burst stays within the allowance.
        let announcer = try PeerClient(
            host: "127.0.0.1", port: node.port, network: .regtest, userAgent: "/announcer:1/", bindTo: "127.0.0.49")
        var tip = genesis
        for round in 0..<3 {
            for i in 0..<BlockSync.unconnectedHeadersAllowance {
                announcer.send(.headers(HeadersMessage(headers: Self.unconnected(UInt32(round * 100 + i)))))
            }
            let next = HostileLoadTests.headers(on: tip, count: 1, tag: UInt32(round))
            announcer.send(.headers(HeadersMessage(headers: next)))
            tip = next[0]
        }
        _ = try announcer.mempool()  // handled after every message before it: the verdicts are in
        #expect(try node.status().peers.contains { $0.userAgent == "/announcer:1/" && $0.banScore == 0 })
        #expect(try node.status().bestHeaderHeight == 3)

        // One that never connects: answered 8 times, then a nuisance each, banned at the tenth.
        let liar = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.50")
        var sent = 0
        while sent < 40 {
            liar.send(.headers(HeadersMessage(headers: Self.unconnected(UInt32(1_000 + sent)))))
            sent += 1
            if liar.closedByNode(within: 0.05) { break }
        }
        #expect(liar.closedByNode(within: 3))
        #expect(node.log.contains("banned 127.0.0.50"))
        let allowance = BlockSync.unconnectedHeadersAllowance
        #expect(sent > allowance + 8 && sent <= allowance + 12, "banned after \(sent) messages")
        #expect(!node.log.contains("banned 127.0.0.49"))
        HostileLoadTests.expectComposure(
            node, watch, "headers that never connect",
            outcome: "answered \(allowance) times, then charged: banned after \(sent) messages")
    }
}
