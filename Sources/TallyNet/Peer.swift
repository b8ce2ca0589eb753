import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// One connection's state. Confined to the network's event loop: only `PeerNetwork` touches it,
/// and only there.
final class Peer: @unchecked Sendable {
    enum HandshakeState: Equatable {
        /// Our `version` is sent; theirs not yet received.
        case awaitingVersion
        /// Theirs received and our `verack` sent; waiting for their `verack`.
        case awaitingVerack
        case ready
    }

    let id: Int
    let channel: Channel
    let inbound: Bool
    let host: String
    let port: Int
    let connectedAt = Date()
    /// The `--peer` entry this connection serves, for reconnecting.
    let persistentTarget: String?

    var state = HandshakeState.awaitingVersion
    var versionReceived = false
    var version: VersionMessage?
    /// min(ours, theirs) once their version is in.
    var protocolVersion: Int32 = ProtocolVersion.current
    var banScore = 0
    var bestHeight: UInt32 = 0
    var pingNonce: UInt64?
    var pingSentAt = Date()
    var lastPing = Date()
    /// Inventory this peer has or was told of, so nothing is announced to it twice. Bounded.
    var knownInventory = Set<Hash256>()
    var pendingTransactionAnnouncements: [Hash256] = []
    /// Items it asked for, served while its send buffer drains.
    var getDataQueue: [InventoryVector] = []
    var serving = false
    /// Set when it failed to deliver requested blocks in time: no block requests until then.
    var stallingUntil: Date?
    var closing = false
    /// Blocks it answered `notfound` for: never asked of it again. Bounded.
    var lackingBlocks = Set<Hash256>()
    /// Inventory entries it may still announce (Protocol.md §13.6).
    var inventoryBudget: TokenBucket
    /// Headers it sent of chains with less work than our tip, since it was last penalised for them.
    var lowWorkHeaders = 0
    /// Its messages waiting for or in the work queue; at the limit we stop reading from it.
    var pendingWork = 0
    var readingPaused = false

    init(id: Int, channel: Channel, inbound: Bool, persistentTarget: String?, inventoryBudget: TokenBucket) {
        self.id = id
        self.inventoryBudget = inventoryBudget
        self.channel = channel
        self.inbound = inbound
        self.persistentTarget = persistentTarget
        let remote = channel.remoteAddress
        host = remote?.ipAddress ?? "?"
        port = remote?.port ?? 0
    }

    var isReady: Bool { state == .ready }
    var remoteNonce: UInt64? { version?.nonce }
    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    var userAgent: String { version?.userAgent ?? "" }
    /// Where the peer accepts connections: the address we dialled, or the one its `version` gave.
    var listeningTarget: String? {
        guard inbound else { return "\(host):\(port)" }
        guard let port = version?.senderAddress.port, port != 0 else { return nil }
        return "\(host):\(port)"
    }

    static let maximumKnownInventory = 50_000

    func learn(_ hash: Hash256) {
        if knownInventory.count >= Peer.maximumKnownInventory { knownInventory.removeAll(keepingCapacity: true) }
        knownInventory.insert(hash)
    }

    /// Reads from the socket only while its jobs are below `pendingLimit` and it reads what we
    /// send: what one peer asks of us can never pile up without bound, in the work queue or in its
    /// send buffer.
    func updateReading(pendingLimit: Int) {
        let pause = pendingWork >= pendingLimit || !channel.isWritable
        guard pause != readingPaused, !closing else { return }
        readingPaused = pause
        try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: !pause)
    }

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
            self.init(ipv4: [UInt8(raw >> 24), UInt8((raw >> 16) & 0xff), UInt8((raw >> 8) & 0xff), UInt8(raw & 0xff)], port: port)
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
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
