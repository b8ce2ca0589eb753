import Foundation
import NIOCore
import NIOPosix
import TallyCrypto
import TallyWire

/// One quiet peer connection to each of many nodes, all on one event-loop thread: each completes
/// the handshake, answers pings, and writes down when its node first announced each transaction
/// (`inv`), at the moment the announcement is read. It never asks for or sends anything else, so
/// a hundred of them cost the nodes a connection each and this process one thread.
final class AnnouncementListeners: @unchecked Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let network: Network
    private let userAgent: String
    // Every field below is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private var ready: Set<Int> = []
    private var announced: [Hash256: [Int: Date]] = [:]
    private var channels: [Channel] = []

    init(network: Network, userAgent: String) {
        self.network = network
        self.userAgent = userAgent
    }

    /// Connects to every host and waits until each handshake is done.
    func connect(hosts: [Int], address: (Int) -> String, port: Int, timeout: TimeInterval) throws {
        for host in hosts {
            let handler = ListenerHandler(host: host, listeners: self, network: network, userAgent: userAgent)
            let channel = try ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .connect(host: address(host), port: port).wait()
            condition.lock()
            channels.append(channel)
            condition.unlock()
        }
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while ready.count < hosts.count {
            guard condition.wait(until: deadline) else {
                let missing = Set(hosts).subtracting(ready).sorted()
                throw ListenerFailure("no handshake with hosts \(missing.prefix(10)) within \(Int(timeout)) s")
            }
        }
    }

    /// When each host first announced `txid`, once every ready host has, or at `deadline`.
    func wait(for txid: Hash256, until deadline: Date) -> [Int: Date] {
        condition.lock()
        defer { condition.unlock() }
        while (announced[txid]?.count ?? 0) < ready.count, condition.wait(until: deadline) {}
        return announced[txid] ?? [:]
    }

    func close() {
        condition.lock()
        let open = channels
        channels = []
        condition.unlock()
        for channel in open { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }

    fileprivate func handshakeDone(_ host: Int) {
        condition.lock()
        ready.insert(host)
        condition.broadcast()
        condition.unlock()
    }

    fileprivate func announce(_ txids: [Hash256], by host: Int, at time: Date) {
        condition.lock()
        for txid in txids where announced[txid]?[host] == nil { announced[txid, default: [:]][host] = time }
        condition.broadcast()
        condition.unlock()
    }
}

struct ListenerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One listener's connection: frames cut with `MessageCodec.decodeFrame`, the few messages that
/// need an answer answered.
private final class ListenerHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let host: Int
    let listeners: AnnouncementListeners
    let codec: MessageCodec
    let userAgent: String
    private var buffer: [UInt8] = []
    private var versionReceived = false

    init(host: Int, listeners: AnnouncementListeners, network: Network, userAgent: String) {
        self.host = host
        self.listeners = listeners
        codec = MessageCodec(network: network)
        self.userAgent = userAgent
    }

    func channelActive(context: ChannelHandlerContext) {
        send(
            .version(
                VersionMessage(
                    services: [], timestamp: Int64(Date().timeIntervalSince1970), receiverServices: .network,
                    receiverAddress: .unspecified, senderServices: [], senderAddress: .unspecified,
                    nonce: SecureRandom.uint64(), userAgent: userAgent, startHeight: 0, relay: true)),
            context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = Date()
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
        var offset = 0
        do {
            while let (message, count) = try codec.decodeFrame(buffer, at: offset) {
                offset += count
                switch message {
                case .version:
                    versionReceived = true
                    send(.verack, context: context)
                case .verack: listeners.handshakeDone(host)
                case .ping(let ping): send(.pong(PongMessage(nonce: ping.nonce)), context: context)
                case .inv(let inv):
                    let txids = inv.inventory.filter { $0.type == .transaction }.map(\.hash)
                    if !txids.isEmpty { listeners.announce(txids, by: host, at: now) }
                default: break
                }
            }
        } catch {
            context.close(promise: nil)
            return
        }
        buffer.removeFirst(offset)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }

    private func send(_ message: Message, context: ChannelHandlerContext) {
        context.writeAndFlush(
            wrapOutboundOut(context.channel.allocator.buffer(bytes: codec.encode(message))), promise: nil)
    }
}
