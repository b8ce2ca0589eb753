import Foundation
import NIOCore
import NIOPosix
import TallyCrypto
import TallyWire

/// A synchronous client of the wire protocol: one connection to one node, with the handshake done.
/// For tools and light clients (the wallet, tests), not for the node itself.
public final class PeerClient {
    public enum Failure: Error, CustomStringConvertible {
        case unreachable(String)
        case timeout(String)
        case closed

        public var description: String {
            switch self {
            case .unreachable(let why): "unreachable: \(why)"
            case .timeout(let what): "no answer: \(what)"
            case .closed: "the node closed the connection"
            }
        }
    }

    public let network: Network
    /// The node's `version`.
    public private(set) var remoteVersion: VersionMessage!
    private let group: MultiThreadedEventLoopGroup
    private var channel: Channel!
    private let inbox = Inbox()

    /// Connects and completes the handshake.
    public init(
        host: String, port: Int, network: Network, userAgent: String = "/tally-client:0.1/", timeout: TimeInterval = 5,
        bindTo localAddress: String? = nil
    ) throws {
        self.network = network
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let inbox = self.inbox
        var bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder(network: network)),
                        FrameEncoder(codec: MessageCodec(network: network)),
                        ClientHandler(inbox: inbox),
                    ])
                }
            }
        if let localAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0)) }
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw Failure.unreachable("\(host):\(port): \(error)")
        }
        send(
            .version(
                VersionMessage(
                    services: [], timestamp: Int64(Date().timeIntervalSince1970), receiverServices: .network,
                    receiverAddress: .unspecified, senderServices: [], senderAddress: .unspecified,
                    nonce: SecureRandom.uint64(), userAgent: userAgent, startHeight: 0, relay: true)))
        var gotVerack = false
        while remoteVersion == nil || !gotVerack {
            switch try next(timeout: timeout, waitingFor: "the handshake") {
            case .version(let version):
                remoteVersion = version
                send(.verack)
            case .verack: gotVerack = true
            default: break
            }
        }
    }

    deinit { close() }

    private var closed = false

    public func close() {
        guard !closed else { return }
        closed = true
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    public func send(_ message: Message) {
        channel.writeAndFlush(message, promise: nil)
    }

    /// The next message from the node (pings are answered on the way).
    public func next(timeout: TimeInterval, waitingFor what: String = "a message") throws -> Message {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let message = inbox.take(until: deadline) else {
                if inbox.isClosed { throw Failure.closed }
                throw Failure.timeout(what)
            }
            if case .ping(let ping) = message {
                send(.pong(PongMessage(nonce: ping.nonce)))
                continue
            }
            return message
        }
    }

    /// Sends `request` and returns the first answer `match` accepts, skipping unrelated traffic.
    public func ask<T>(_ request: Message, timeout: TimeInterval = 10, _ match: (Message) -> T?) throws -> T {
        send(request)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let message = try next(
                timeout: max(0.01, deadline.timeIntervalSinceNow), waitingFor: "an answer to '\(request.command)'")
            if let answer = match(message) { return answer }
        }
    }

    /// Every header of the node's best chain after `locator` (repeating `getheaders` while full).
    public func headers(after locator: [Hash256]) throws -> [BlockHeader] {
        var all: [BlockHeader] = []
        var from = locator
        while true {
            let batch = try ask(.getHeaders(GetHeadersMessage(locator: from, hashStop: .zero))) {
                message -> [BlockHeader]? in
                if case .headers(let headers) = message { return headers.headers }
                return nil
            }
            all += batch
            guard batch.count == HeadersMessage.maximumCount, let last = batch.last else { return all }
            from = [last.hash]
        }
    }

    /// The blocks with these hashes, in the order asked.
    public func blocks(_ hashes: [Hash256], timeout: TimeInterval = 30) throws -> [Block] {
        var received: [Hash256: Block] = [:]
        for chunk in stride(from: 0, to: hashes.count, by: 64) {
            let slice = Array(hashes[chunk..<min(chunk + 64, hashes.count)])
            send(.getData(GetDataMessage(inventory: slice.map(InventoryVector.block))))
            let deadline = Date().addingTimeInterval(timeout)
            while slice.contains(where: { received[$0] == nil }) {
                switch try next(timeout: max(0.01, deadline.timeIntervalSinceNow), waitingFor: "blocks") {
                case .block(let block): received[block.hash] = block
                case .notFound(let missing):
                    throw Failure.timeout("the node does not have \(missing.inventory.map(\.hash))")
                default: break
                }
            }
        }
        return hashes.map { received[$0]! }
    }

    /// Relays a transaction to the node; waits briefly for a `reject`.
    public func submit(_ tx: Transaction, waitForReject: TimeInterval = 0.3) throws -> RejectMessage? {
        send(.tx(tx))
        let deadline = Date().addingTimeInterval(waitForReject)
        while deadline.timeIntervalSinceNow > 0 {
            guard let message = try? next(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if case .reject(let reject) = message, reject.hash == tx.txid { return reject }
        }
        return nil
    }

    /// The node's mempool transaction ids.
    public func mempool(timeout: TimeInterval = 5) throws -> [Hash256] {
        try ask(.mempool, timeout: timeout) { message -> [Hash256]? in
            if case .inv(let inv) = message { return inv.inventory.filter { $0.type == .transaction }.map(\.hash) }
            return nil
        }
    }

    public func status(timeout: TimeInterval = 5) throws -> StatusMessage {
        try ask(.getStatus, timeout: timeout) { message -> StatusMessage? in
            if case .status(let status) = message { return status }
            return nil
        }
    }
}

/// Messages received and not yet taken, shared between the event loop and the caller's thread.
/// `@unchecked Sendable`: every field is read and written only while `condition` is locked.
private final class Inbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [Message] = []
    private(set) var isClosed = false

    func put(_ message: Message) {
        condition.lock()
        messages.append(message)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }

    func take(until deadline: Date) -> Message? {
        condition.lock()
        defer { condition.unlock() }
        while messages.isEmpty && !isClosed {
            if !condition.wait(until: deadline) { break }
        }
        return messages.isEmpty ? nil : messages.removeFirst()
    }
}

private final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedMessage
    private let inbox: Inbox

    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { inbox.put(unwrapInboundIn(data).message) }
    func channelInactive(context: ChannelHandlerContext) { inbox.close() }
    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
