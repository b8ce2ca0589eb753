import TallyWire

/// One connection's version/verack exchange (Protocol.md §13.5) as a plain state machine: each
/// event returns what the connection must do, so every ordering is tested without sockets. Our own
/// `version` is sent when the connection opens; theirs is answered with `verack`; the connection
/// is ready when their `verack` follows their `version`.
public struct Handshake: Sendable {
    public enum State: Equatable, Sendable {
        /// Our `version` is sent; theirs not yet received.
        case awaitingVersion
        /// Theirs received and our `verack` sent; waiting for their `verack`.
        case awaitingVerack
        case ready
        /// The connection is to be closed; nothing more is done with it.
        case finished
    }

    public enum Event: Sendable {
        case version(VersionMessage)
        case verack
        /// Any other message before the handshake completed (ignored, Protocol.md §13.5).
        case otherMessage
        /// Time since the connection opened, as the timer sees it.
        case elapsed(Double)
    }

    public enum Action: Equatable, Sendable {
        case sendVerack
        /// Their `version` is older than we support: tell them, then close.
        case rejectObsolete(RejectMessage)
        /// The `version` carries our own nonce: we dialled ourselves.
        case closeSelfConnection
        /// No handshake within the deadline.
        case closeTimedOut
        case penalise(Offence)
        /// The connection is ready, speaking the lower of the two protocol versions.
        case ready
    }

    public let ownNonce: UInt64
    public let timeout: Double
    public private(set) var state = State.awaitingVersion
    /// Their `version`, once received.
    public private(set) var version: VersionMessage?
    /// min(ours, theirs) once their version is in.
    public private(set) var protocolVersion = ProtocolVersion.current

    public init(ownNonce: UInt64, timeout: Double) {
        self.ownNonce = ownNonce
        self.timeout = timeout
    }

    public var isReady: Bool { state == .ready }

    public mutating func receive(_ event: Event) -> [Action] {
        guard state != .finished else { return [] }
        switch event {
        case .version(let message):
            guard version == nil else { return [.penalise(.protocolViolation("second version"))] }
            if message.nonce == ownNonce {
                state = .finished
                return [.closeSelfConnection]
            }
            guard let negotiated = ProtocolVersion.negotiate(peer: message.protocolVersion) else {
                state = .finished
                let reason = "protocol \(message.protocolVersion) is below \(ProtocolVersion.minimumSupported)"
                return [
                    .rejectObsolete(RejectMessage(message: VersionMessage.command, code: .obsolete, reason: reason))
                ]
            }
            version = message
            protocolVersion = negotiated
            state = .awaitingVerack
            return [.sendVerack]
        case .verack:
            guard state == .awaitingVerack else { return [.penalise(.protocolViolation("verack out of order"))] }
            state = .ready
            return [.ready]
        case .otherMessage:
            return []
        case .elapsed(let seconds):
            guard state != .ready, seconds > timeout else { return [] }
            state = .finished
            return [.closeTimedOut]
        }
    }
}
