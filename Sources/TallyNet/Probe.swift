import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TallyCrypto
import TallyWire

/// A one-shot client of the wire protocol: handshake with a node, ask for its status, hang up.
/// What `tally-probe` shows.
public enum Probe {
    public struct Result: Sendable {
        public let version: VersionMessage
        public let status: StatusMessage
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

    public static func query(host: String, port: Int, network: Network, timeout: TimeInterval = 5) throws -> Result {
        let client: PeerClient
        do {
            client = try PeerClient(host: host, port: port, network: network, userAgent: "/tally-probe:0.1/", timeout: timeout)
        } catch PeerClient.Failure.unreachable(let why) {
            throw Failure.unreachable(why)
        } catch {
            throw Failure.badAnswer("\(error)")
        }
        defer { client.close() }
        do {
            return Result(version: client.remoteVersion, status: try client.status(timeout: timeout))
        } catch {
            throw Failure.badAnswer("\(error)")
        }
    }

    /// Listens for discovery announcements for `seconds` and returns each node heard (its address
    /// and its last announcement).
    public static func scan(network: Network, port: Int, listenAddress: String = "127.255.255.255",
                            seconds: TimeInterval) throws -> [(host: String, announcement: DiscoveryAnnouncement)] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let collector = AnnouncementCollector(network: network)
        let channel = try DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1)
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
              let announcement = try? DiscoveryAnnouncement(decoding: Array(envelope.data.readableBytesView), network: network)
        else { return }
        heard.withLock { $0["\(host):\(announcement.port)"] = (host, announcement) }
    }
}
