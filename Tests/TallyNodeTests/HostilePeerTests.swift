import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyTestSupport
import TallyWire
import Testing

/// A TCP connection that sends whatever bytes it is told, from a chosen loopback address (each
/// hostile case uses its own 127.0.0.x, so a ban hits that "host" alone).
final class RawPeer {
    private let fd: Int32

    init(from localAddress: String, to port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(localAddress)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &local) { l in
            withUnsafePointer(to: &remote) { r in
                l.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                } == 0
                    && r.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    } == 0
            }
        }
        guard ok else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends what the socket takes now, never blocking (a flood that the node stops reading from
    /// must not stall the test); returns the bytes sent, or -1.
    func sendWithoutWaiting(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    }

    /// Whether the node has reset the connection, seen without reading what it sent (a node that
    /// closes a socket with our requests unread resets it).
    func isClosedWithoutReading() -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, 0) > 0 && poller.revents & Int16(POLLHUP | POLLERR) != 0
    }

    /// Whether the node has closed the connection; drops what is waiting, never blocks.
    func isClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else { return false }
            if recv(fd, &buffer, buffer.count, 0) <= 0 { return true }
        }
    }

    /// Reads (and drops) whatever comes until the node closes the connection; false on timeout.
    func closedByNode(within timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return true }
        }
        return false
    }
}

@Suite(.serialized) struct HostilePeerTests {
    static let codec = MessageCodec(network: .regtest)

    @Test func misbehavingPeersAreDisconnectedAndBannedWhileOthersAreServed() throws {
        let node = try TestNode("target")
        let friend = try TestNode("friend")
        try node.start(["--mine", "--threads", "1", "--mine-interval", "0.3"])
        try friend.start(["--peer", node.target])
        try waitUntil("the friend connected", timeout: 10) {
            try node.status().peers.contains { $0.userAgent.hasPrefix("/tallyd") }
        }

        let ping = Self.codec.encode(.ping(PingMessage(nonce: 7)))
        var badChecksum = ping
        badChecksum[20] ^= 0xff
        var oversize = ping
        oversize[16..<20] = [0x09, 0, 0, 0]  // a ping payload of 9 bytes: over its 8-byte limit
        var hugeLength = Self.codec.encode(.block(ChainParameters.regtest.genesis))
        hugeLength[16..<20] = [0xff, 0xff, 0xff, 0xff]  // 4 GB
        let cases: [(String, String, [UInt8])] = [
            ("bad checksum", "127.0.0.3", badChecksum),
            ("oversize for its command", "127.0.0.4", Array(oversize.prefix(24))),
            ("4 GB length", "127.0.0.5", Array(hugeLength.prefix(24))),
            // The envelope is right, checksum and all; the payload claims 5 vectors and has none.
            (
                "valid envelope, invalid payload", "127.0.0.8",
                MessageHeader(network: .regtest, command: "inv", payload: [5]).encoded + [5]
            ),
            // Ten headers are a fine message, but not before the handshake: over the 400 bytes allowed then.
            (
                "headers before the handshake", "127.0.0.9",
                Self.codec.encode(
                    .headers(
                        HeadersMessage(headers: Array(repeating: ChainParameters.regtest.genesis.header, count: 10))))
            ),
        ]
        // Garbage before the handshake is a wrong magic: closed, not banned (another network's tool,
        // or another protocol at the wrong port, Protocol.md §13.2).
        let garbage = try RawPeer(from: "127.0.0.2", to: node.port)
        garbage.send((0..<200).map { UInt8($0 % 251) })
        #expect(garbage.closedByNode(within: 3), "garbage: not disconnected")
        #expect(!(try RawPeer(from: "127.0.0.2", to: node.port)).closedByNode(within: 0.5), "garbage: banned")
        for (name, address, bytes) in cases {
            let hostile = try RawPeer(from: address, to: node.port)
            hostile.send(bytes)
            #expect(hostile.closedByNode(within: 3), "\(name): not disconnected")
            // Banned: a new connection from the same host is closed at once, before any message.
            let again = try RawPeer(from: address, to: node.port)
            #expect(again.closedByNode(within: 3), "\(name): not banned")
            // …and the node still answers.
            #expect((try? node.status()) != nil, "\(name): the node stopped answering")
        }

        // A block that breaks a consensus rule (the coinbase pays 51 coins), on the tip. The node
        // mines meanwhile; a block that lost the race to a new tip is merely unasked-for and stale
        // (a nuisance, not enough to ban), so try again on the new tip, a few times at most.
        let client = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.6")
        var banned = false
        for _ in 0..<5 where !banned {
            let headers = try client.headers(after: [ChainParameters.regtest.genesisHash])
            let tip = try #require(headers.last)
            let coinbase = Transaction.coinbase(
                CoinbaseData(height: UInt32(headers.count + 1)),
                outputs: [TxOutput(amount: 51 * ChainParameters.coin, address: TestChain.address(TestChain.key(9)))])
            let invalid = TestChain.solved(
                Block(
                    header: BlockHeader(
                        version: 1, previousBlockHash: tip.hash, merkleRoot: coinbase.wtxid,
                        time: tip.time + 1, bits: 0x207f_ffff, nonce: 0), transactions: [coinbase]))
            client.send(.block(invalid))
            banned = client.closedByNode(within: 2)
        }
        #expect(banned)
        #expect(throws: PeerClient.Failure.self) {
            try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, timeout: 2, bindTo: "127.0.0.6")
                .status()
        }

        // Through all of it the node kept its honest peer and kept answering.
        let status = try node.status()
        #expect(status.peers.contains { $0.userAgent.hasPrefix("/tallyd") })
        try waitUntil("the friend still following", timeout: 10) {
            try friend.status().tipHash == node.status().tipHash
        }
        #expect(node.log.contains("banned 127.0.0.3") && !node.log.contains("banned 127.0.0.2"))
        #expect(node.log.contains("banned 127.0.0.6"))
    }

    /// Requests past a peer's rate (100 a second after a burst of 200, Protocol.md §13.8) wait:
    /// every one is answered, in order, none is punished, but 400 `ping`s take at least the two
    /// seconds the rate allows.
    @Test func requestsPastTheRateWaitTheirTurnUnpunished() throws {
        let node = try TestNode("rate")
        try node.start()
        let client = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.9")
        let count: UInt64 = 400
        let sent = Date()
        for nonce in 0..<count { client.send(.ping(PingMessage(nonce: nonce))) }
        var answered: [UInt64] = []
        while answered.count < count {
            if case .pong(let pong) = try client.next(timeout: 10) { answered.append(pong.nonce) }
        }
        let seconds = Date().timeIntervalSince(sent)
        #expect(answered == Array(0..<count))
        #expect(seconds >= 1.5, "400 pings answered in \(seconds) s: the rate allows 200 at once and 100 a second")
        #expect(try node.status().peers.contains { $0.banScore == 0 && $0.userAgent == "/tally-client:0.1/" })
    }

    @Test func anUnknownCommandIsIgnoredNotPunished() throws {
        let node = try TestNode("tolerant")
        try node.start()
        let client = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.7")
        client.send(.unknown(command: "feefilter", payload: [0xe8, 0x03, 0, 0, 0, 0, 0, 0]))
        #expect(try client.status().height == 0)
        // Still connected, with a clean record (seen from a second connection).
        #expect(try node.status().peers.contains { $0.banScore == 0 && $0.userAgent == "/tally-client:0.1/" })
    }
}

extension PeerClient {
    /// Reads (and drops) whatever comes until the node closes the connection; false if it is still
    /// open after `timeout`.
    func closedByNode(within timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                _ = try next(timeout: max(0.01, deadline.timeIntervalSinceNow))
            } catch PeerClient.Failure.closed {
                return true
            } catch {
                return false
            }
        }
        return false
    }
}
