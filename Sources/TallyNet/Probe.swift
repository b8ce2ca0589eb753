import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TallyChain
import TallyCrypto
import TallyWire

/// A one-shot client of the wire protocol: handshake with a node, ask for its status, hang up.
/// What `tally-probe` shows.
public enum Probe {
    public struct Result: Sendable {
        public let version: VersionMessage
        public let status: StatusMessage
        /// The difficulty and recent spacing, from the tip's last blocks (nil if not asked for, or
        /// the tip moved away while they were fetched).
        public let pace: ChainPace?
    }

    public enum Failure: Error, CustomStringConvertible {
        /// No connection could be made (refused, timed out, no route).
        case unreachable(String)
        /// Connected, but what came back was not a Tally node of this network answering in time.
        case badAnswer(String)

        public var description: String {
            switch self {
            case .unreachable(let why): "unreachable: \(why)"
            case .badAnswer(let why): "no proper answer: \(why)"
            }
        }
    }

    /// `recentBlocks`: how many blocks back from the tip the spacing is measured over (0, the
    /// default: none, so that a status poll stays one round trip).
    public static func query(
        host: String, port: Int, network: Network, timeout: TimeInterval = 5,
        recentBlocks: Int = 0
    ) throws -> Result {
        let client: PeerClient
        do {
            client = try PeerClient(
                host: host, port: port, network: network, userAgent: "/tally-probe:0.1/", timeout: timeout)
        } catch PeerClient.Failure.unreachable(let why) {
            throw Failure.unreachable(why)
        } catch {
            throw Failure.badAnswer("\(error)")
        }
        defer { client.close() }
        let status: StatusMessage
        do {
            status = try client.status(timeout: timeout)
        } catch {
            throw Failure.badAnswer("\(error)")
        }
        let pace =
            recentBlocks > 0
            ? try? recentPace(
                client, tip: status.tipHash, height: status.height, network: network,
                blocks: recentBlocks, timeout: timeout)
            : nil
        return Result(version: client.remoteVersion, status: status, pace: pace)
    }

    /// The status message carries no difficulty, and the protocol adds messages rather than
    /// fields: the blocks are walked back from the tip instead, one `getdata` each (small blocks
    /// on a LAN; `blocks + 1` of them at most).
    static func recentPace(
        _ client: PeerClient, tip: Hash256, height: UInt32, network: Network, blocks: Int,
        timeout: TimeInterval
    ) throws -> ChainPace {
        let parameters = network.parameters
        var headers: [BlockHeader] = []
        var next = tip
        while headers.count <= blocks, UInt32(headers.count) <= height {
            if next == parameters.genesisHash {
                headers.append(parameters.genesis.header)
                break
            }
            guard let block = try client.blocks([next], timeout: timeout).first else { break }
            headers.append(block.header)
            next = block.header.previousBlockHash
        }
        return ChainPace(headers: headers.reversed(), tipHeight: height, parameters: parameters, window: blocks)
    }

    /// Listens for discovery announcements for `seconds` and returns each node heard (its address
    /// and its last announcement).
    public static func scan(
        network: Network, port: Int, listenAddress: String = "127.255.255.255",
        seconds: TimeInterval
    ) throws -> [(host: String, announcement: DiscoveryAnnouncement)] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let collector = AnnouncementCollector(network: network)
        let channel = try DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(
                ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: listenAddress, port: port).wait()
        Thread.sleep(forTimeInterval: seconds)
        try channel.close().wait()
        return collector.heard.withLock { heard in
            heard.sorted { $0.key < $1.key }.map { ($0.value.host, $0.value.announcement) }
        }
    }
}

private final class AnnouncementCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let network: Network
    let heard = Mutex<[String: (host: String, announcement: DiscoveryAnnouncement)]>([:])

    init(network: Network) { self.network = network }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let host = envelope.remoteAddress.ipAddress,
            let announcement = try? DiscoveryAnnouncement(
                decoding: Array(envelope.data.readableBytesView), network: network)
        else { return }
        heard.withLock { $0["\(host):\(announcement.port)"] = (host, announcement) }
    }
}
