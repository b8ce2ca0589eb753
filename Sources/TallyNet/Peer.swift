import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// One connection: its channel, handshake and keep-alive, and whether we read from it. Not
/// `Sendable`: it lives in `PeerManager`, which is bound to the network's event loop.
final class Peer {
    let id: Int
    let channel: Channel
    /// The pipeline's back-pressure: its output budget, and whether it reads.
    let flow: PeerFlowHandler
    let inbound: Bool
    let host: String
    let port: Int
    let connectedAt = Date()
    /// The `--peer` entry this connection serves, for reconnecting.
    let persistentTarget: String?

    var handshake: Handshake
    var pingNonce: UInt64?
    var pingSentAt = Date()
    var lastPing = Date()
    var closing = false
    /// Its messages waiting for or in the work queue; at the limit we stop reading from it.
    var pendingWork = 0
    /// Its requests with large answers, answered one at a time as its output budget allows.
    var answers = AnswerQueue()
    /// Its transactions waiting in the node's batch: what it asks for next is served after them, so
    /// a wallet that sends a transaction and then asks for it gets the verdict (Protocol.md §11.1).
    var pendingTransactions = 0
    /// Their bytes: transactions are bounded by what they hold, not by count, so that a burst of
    /// thousands goes to the node in a few batches (Protocol.md §13.8).
    var pendingTransactionBytes = 0
    static let maximumPendingTransactionBytes = 1 << 20
    /// It sent `sendcmpct` of our compact version: we may ask it for compact blocks.
    var speaksCompact = false
    /// Its last `sendcmpct` asked us to push new blocks to it as `cmpctblock` (high-bandwidth).
    var wantsCompactPushes = false

    init(
        id: Int, channel: Channel, flow: PeerFlowHandler, inbound: Bool, persistentTarget: String?,
        handshake: Handshake
    ) {
        self.id = id
        self.channel = channel
        self.flow = flow
        self.inbound = inbound
        self.persistentTarget = persistentTarget
        self.handshake = handshake
        let remote = channel.remoteAddress
        host = remote?.ipAddress ?? "?"
        port = remote?.port ?? 0
    }

    var isReady: Bool { handshake.isReady }
    var version: VersionMessage? { handshake.version }
    var remoteNonce: UInt64? { version?.nonce }
    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    var userAgent: String { version?.userAgent ?? "" }
    /// Where the peer accepts connections: the address we dialled, or the one its `version` gave.
    var listeningTarget: String? {
        guard inbound else { return "\(host):\(port)" }
        guard let port = version?.senderAddress.port, port != 0 else { return nil }
        return "\(host):\(port)"
    }

    /// Reads from the socket only while its requests waiting (for the chain, or for their turn to be
    /// answered) are below `pendingLimit`, and — `flow`'s own rule — while its output budget has
    /// room: what one peer asks of us can never pile up without bound, in the work queue or in
    /// answers it does not read. The check comes before each message is decoded.
    func updateReading(pendingLimit: Int) {
        flow.holdReading(
            pendingWork + answers.waitingCount >= pendingLimit
                || pendingTransactionBytes >= Peer.maximumPendingTransactionBytes)
    }

    /// Whether something large may be sent to it now: its output budget is not spent.
    var hasOutputRoom: Bool { flow.budget.hasRoom }

    func send(_ message: Message) {
        guard !closing else { return }
        channel.writeAndFlush(message, promise: nil)
    }

    var networkAddress: NetworkAddress {
        NetworkAddress(parsing: host, port: UInt16(clamping: port)) ?? .unspecified
    }
}

extension NetworkAddress {
    /// An address from its textual IPv4 or IPv6 form.
    init?(parsing host: String, port: UInt16) {
        if let v4 = try? SocketAddress(ipAddress: host, port: Int(port)), case .v4(let address) = v4 {
            let raw = address.address.sin_addr.s_addr.bigEndian
            self.init(
                ipv4: [UInt8(raw >> 24), UInt8((raw >> 16) & 0xff), UInt8((raw >> 8) & 0xff), UInt8(raw & 0xff)],
                port: port)
        } else if let v6 = try? SocketAddress(ipAddress: host, port: Int(port)), case .v6(let address) = v6 {
            var storage = address.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            self.init(ipv6: bytes, port: port)
        } else {
            return nil
        }
    }

    /// The host part as text, for connecting.
    var host: String {
        if let v4 = ipv4 { return v4.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
