import TallyWire

/// The bytes the peer sent, read as the node must read them (Protocol.md §13.1, §13.5, §13.6,
/// §13.2), written from the protocol rather than from the node's decoder: frames one after the
/// other; until the peer's `verack` has followed its `version` no payload may be longer than 400
/// bytes, whatever the command (a `verack` first lifts nothing); the first frame that cannot be
/// read ends the stream. What ends it decides what the node must do: a wrong magic before the
/// handshake is a plain disconnection, anything else a malformed message (100 points). A
/// `version` with the node's own nonce or an obsolete protocol closes the connection too, without
/// a penalty. Nothing is modelled after the stream ends.
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

    private var pending: [UInt8] = []
    private(set) var versionSeen = false
    /// The peer's `verack` followed its `version`: the node is past the handshake with it.
    private(set) var ready = false
    private(set) var ending: Ending?
    /// `headers` messages received so far.
    private(set) var headersMessages = 0

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
                }
            case .verack where versionSeen:
                ready = true
            case .headers:
                headersMessages += 1
            default:
                break
            }
        }
        pending.removeFirst(ending == nil ? offset : pending.count)
        return received
    }
}
