/// Which of two connections to the same node stays (Protocol.md §13.8). The nonce in a `version` is
/// not authenticated: anyone who heard it (every discovery datagram carries it) can claim it. So a
/// claim alone never closes a working connection: a duplicate must come from the same host, an
/// established connection never yields to a later one, and only two connections both still in
/// their handshake (two nodes that dialled each other at once) are settled by the nonces, which
/// both sides compare the same way. Pure: the caller carries out the decision.
public enum DuplicateConnections {
    /// A connection whose peer's `version` has arrived.
    public struct Connection: Equatable, Sendable {
        public let id: Int
        public let host: String
        public let inbound: Bool
        /// The nonce of the peer's `version`.
        public let remoteNonce: UInt64
        /// Its handshake completed (both `verack`s exchanged).
        public let established: Bool

        public init(id: Int, host: String, inbound: Bool, remoteNonce: UInt64, established: Bool) {
            self.id = id
            self.host = host
            self.inbound = inbound
            self.remoteNonce = remoteNonce
            self.established = established
        }
    }

    public enum Decision: Equatable, Sendable {
        /// No other connection to that node: carry on.
        case keep
        /// The newcomer duplicates a connection that stays: close the newcomer.
        case closeNewcomer
        /// Both were in their handshake and the other one loses the tie-break: close these.
        case closeOthers([Int])
    }

    /// What to do now that `newcomer`'s `version` has arrived, among the other open connections.
    public static func resolve(_ newcomer: Connection, among others: [Connection], ownNonce: UInt64) -> Decision {
        let twins = others.filter {
            $0.id != newcomer.id && $0.remoteNonce == newcomer.remoteNonce && $0.host == newcomer.host
        }
        guard !twins.isEmpty else { return .keep }
        if twins.contains(where: \.established) { return .closeNewcomer }
        // Both sides keep the connection opened by the node with the lower nonce; a tie (the same
        // node dialled twice) keeps the older one.
        func opener(_ connection: Connection) -> UInt64 { connection.inbound ? connection.remoteNonce : ownNonce }
        if twins.contains(where: { opener($0) <= opener(newcomer) }) { return .closeNewcomer }
        return .closeOthers(twins.map(\.id))
    }
}
