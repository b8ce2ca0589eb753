import Foundation
import NIOCore
import NIOPosix
import TallyCrypto
import TallyWire

/// LAN discovery by UDP broadcast: every few seconds an announcement (network magic, node nonce,
/// TCP port, best height and work) goes to the broadcast address of the interface the node is bound
/// to (127.255.255.255 on loopback, never 255.255.255.255 unless asked); hearing an unknown node
/// makes the network connect to it, up to its outbound target.
final class Discovery: Sendable {
    private let receiver: Channel
    private let sender: Channel
    private let timer: RepeatedTask

    init(network: PeerNetwork, tcpPort: Int) throws {
        let configuration = network.configuration
        let broadcast =
            try configuration.discoveryAddress.map { [$0] }
            ?? Discovery.broadcastAddresses(for: configuration.bindAddress)
        let destinations = try broadcast.map { try SocketAddress(ipAddress: $0, port: configuration.discoveryPort) }
        // Listen where the broadcasts arrive: the broadcast address itself for one interface (so
        // a loopback node hears only loopback), every address for a node bound to all of them.
        let listenAddress =
            configuration.bindAddress == "0.0.0.0" ? "0.0.0.0" : (broadcast.first ?? configuration.bindAddress)
        receiver = try DatagramBootstrap(group: network.loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(
                ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnnouncementHandler(network: network))
                }
            }
            .bind(host: listenAddress, port: configuration.discoveryPort).wait()
        let sender = try DatagramBootstrap(group: network.loop)
            .channelOption(.socketOption(.so_broadcast), value: 1)
            .bind(host: configuration.bindAddress, port: 0).wait()
        self.sender = sender
        let announce: @Sendable () -> Void = {
            let summary = network.manager.value.summary
            let announcement = DiscoveryAnnouncement(
                network: configuration.network, nodeNonce: network.nonce, port: UInt16(clamping: tcpPort),
                bestHeight: summary.height, chainWork: summary.chainWork)
            for destination in destinations {
                let envelope = AddressedEnvelope(
                    remoteAddress: destination, data: sender.allocator.buffer(bytes: announcement.encoded))
                sender.writeAndFlush(envelope, promise: nil)
            }
        }
        timer = try network.loop.submit {
            network.loop.scheduleRepeatedTask(
                initialDelay: .milliseconds(200),
                delay: .milliseconds(Int64(configuration.discoveryInterval * 1000))
            ) { _ in announce() }
        }.wait()
        network.logger.notice(
            "discovery on UDP \(configuration.discoveryPort), announcing to \(broadcast.joined(separator: ", "))")
    }

    func close() -> EventLoopFuture<Void> {
        timer.cancel()
        return receiver.close().and(sender.close()).map { _ in }
    }

    /// The broadcast address of each IPv4 interface `bindAddress` covers.
    static func broadcastAddresses(for bindAddress: String) throws -> [String] {
        if bindAddress.hasPrefix("127.") { return ["127.255.255.255"] }
        let devices = try System.enumerateDevices()
        let chosen = devices.compactMap { device -> String? in
            guard case .v4? = device.address, let address = device.address?.ipAddress,
                let broadcast = device.broadcastAddress?.ipAddress
            else { return nil }
            if address.hasPrefix("127.") { return bindAddress == "0.0.0.0" ? "127.255.255.255" : nil }
            return bindAddress == "0.0.0.0" || bindAddress == address ? broadcast : nil
        }
        return Array(Set(chosen)).sorted()
    }
}

/// Reads announcements and passes the ones of other nodes on to the network.
private final class AnnouncementHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let network: PeerNetwork

    init(network: PeerNetwork) { self.network = network }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let host = envelope.remoteAddress.ipAddress,
            let announcement = try? DiscoveryAnnouncement(
                decoding: Array(envelope.data.readableBytesView), network: network.configuration.network),
            announcement.nodeNonce != network.nonce
        else { return }
        network.manager.value.heard(announcement, from: host)
    }
}

extension PeerManager {
    /// Another node announced itself: remember it and connect if below the outbound target.
    func heard(_ announcement: DiscoveryAnnouncement, from host: String) {
        let target = "\(host):\(announcement.port)"
        guard !addresses.contains(target), !addresses.isOwn(target),
            !peers.values.contains(where: { $0.remoteNonce == announcement.nodeNonce }),
            let address = NetworkAddress(parsing: host, port: announcement.port)
        else { return }
        logger.info("discovered \(target) at height \(announcement.bestHeight)")
        addresses.add(target, address)
        connectToKnownAddresses()
    }
}
