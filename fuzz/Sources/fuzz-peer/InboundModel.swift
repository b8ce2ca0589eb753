import TallyWire

/// The bytes the peer sent, read as the node must read them (Protocol.md §13.1, §13.5, §13.6,
/// §13.2), written from the protocol rather than from the node's decoder: frames one after the
/// other; until the peer's `verack` has followed its `version` no payload may be longer than 400
/// bytes, whatever the command (a `verack` first lifts nothing); the first frame that cannot be
/// read ends the stream. What ends it decides what the node must do: a wrong magic before the
/// handshake is a plain disconnection, anything else a malformed message (100 points). A
/// `version` with the node's own nonce or an obsolete protocol closes the connection too, without
/// a penalty. Each command's payload limit is Protocol.md §13.6's table, kept here (and checked
/// against the node's codec when the harness starts). Nothing is modelled after the stream ends.
struct InboundModel {
    enum Ending: Equatable, CustomStringConvertible {
        /// A malformed message: disconnected with 100 points.
        case malformed(String)
        /// A wrong magic before the handshake completed: disconnected, no penalty.
        case wrongMagicBeforeHandshake
        /// A `version` that closes the connection without a penalty (self-connection, obsolete).
        case closed(String)

        var description: String {
            switch self {
            case .malformed(let why): "malformed (\(why))"
            case .wrongMagicBeforeHandshake: "wrong magic before the handshake"
            case .closed(let why): "closed (\(why))"
            }
        }
    }

    /// A message as the node will take it: `ready`, whether the handshake was complete when it came.
    struct Received {
        let message: Message
        let ready: Bool
    }

    static let handshakeLimit = 400

    /// The largest payload of each command (Protocol.md §13.6; the compact blocks' derived in
    /// §13.10); any other command has the global limit.
    static let payloadLimits: [String: Int] = [
        "version": 400, "verack": 0, "getaddr": 0, "mempool": 0, "getstatus": 0, "ping": 8, "pong": 8,
        "inv": 1_800_003, "getdata": 1_800_003, "notfound": 1_800_003, "getblocks": 3_269, "getheaders": 3_269,
        "headers": 162_003, "block": 1_048_576, "tx": 1_048_576, "addr": 30_003, "reject": 158, "status": 286_105,
        "sendcmpct": 9, "cmpctblock": 1_054_901, "getblocktxn": 6_351, "blocktxn": 1_048_528,
    ]
    static let globalLimit = 4_000_000

    static func payloadLimit(_ command: String) -> Int { payloadLimits[command] ?? globalLimit }

    /// The compact-block messages of protocol version 2 (Protocol.md §13.10).
    static let compactCommands = ["sendcmpct", "cmpctblock", "getblocktxn", "blocktxn"]

    private var pending: [UInt8] = []
    private(set) var versionSeen = false
    /// The peer's `verack` followed its `version`: the node is past the handshake with it.
    private(set) var ready = false
    private(set) var ending: Ending?
    /// `headers` messages received so far.
    private(set) var headersMessages = 0
    /// `cmpctblock` messages received so far (their headers count as `headers` do, §13.8).
    private(set) var compactBlockMessages = 0
    /// The protocol version spoken with the peer: the lower of its `version`'s and ours (§13.5).
    private(set) var protocolVersion: Int32?

    /// No frame is begun: the next bytes start a frame (a whole message sent now is read as itself,
    /// not as the rest of an earlier frame's payload).
    var atFrameBoundary: Bool { pending.isEmpty && ending == nil }

    /// Reads what the peer sent next; returns the messages it completes, until the stream ends.
    mutating func feed(_ bytes: [UInt8], ownNonce: UInt64) -> [Received] {
        guard ending == nil else { return [] }
        pending += bytes
        var received: [Received] = []
        var offset = 0
        while ending == nil, pending.count - offset >= MessageHeader.size {
            let header: MessageHeader
            do {
                header = try MessageHeader(
                    decoding: Array(pending[offset..<(offset + MessageHeader.size)]), network: network)
            } catch {
                if case .wrongMagic = error, !ready {
                    ending = .wrongMagicBeforeHandshake
                } else {
                    ending = .malformed("\(error)")
                }
                break
            }
            if !ready && header.payloadLength > InboundModel.handshakeLimit {
                ending = .malformed("\(header.command) of \(header.payloadLength) bytes before the handshake")
                break
            }
            if header.payloadLength > InboundModel.payloadLimit(header.command) {
                ending = .malformed("\(header.command) of \(header.payloadLength) bytes, over its limit")
                break
            }
            let start = offset + MessageHeader.size
            guard pending.count - start >= header.payloadLength else { break }
            let payload = Array(pending[start..<(start + header.payloadLength)])
            offset = start + header.payloadLength
            let message: Message
            do {
                try header.verifyChecksum(of: payload)
                message = try MessageCodec.decodePayload(command: header.command, payload: payload)
            } catch {
                ending = .malformed("\(error)")
                break
            }
            received.append(Received(message: message, ready: ready))
            switch message {
            case .version(let version) where !versionSeen:
                if version.nonce == ownNonce {
                    ending = .closed("its own nonce")
                } else if ProtocolVersion.negotiate(peer: version.protocolVersion) == nil {
                    ending = .closed("obsolete protocol \(version.protocolVersion)")
                } else {
                    versionSeen = true
                    protocolVersion = ProtocolVersion.negotiate(peer: version.protocolVersion)
                }
            case .verack where versionSeen:
                ready = true
            case .headers:
                headersMessages += 1
            case .compactBlock:
                compactBlockMessages += 1
            default:
                break
            }
        }
        pending.removeFirst(ending == nil ? offset : pending.count)
        return received
    }
}
