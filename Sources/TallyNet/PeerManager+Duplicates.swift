/// Carries out `DuplicateConnections`' decision when a peer's `version` arrives. On the event loop.
extension PeerManager {
    /// Settles a second connection to the node whose `version` just arrived on `peer`
    /// (`DuplicateConnections`); returns whether `peer` was the one closed.
    func closedAsDuplicate(_ peer: Peer) -> Bool {
        func described(_ peer: Peer) -> DuplicateConnections.Connection? {
            guard let nonce = peer.remoteNonce, !peer.closing else { return nil }
            return .init(
                id: peer.id, host: peer.host, inbound: peer.inbound, remoteNonce: nonce, established: peer.isReady)
        }
        guard let newcomer = described(peer) else { return false }
        switch DuplicateConnections.resolve(newcomer, among: peers.values.compactMap(described), ownNonce: nonce) {
        case .keep:
            return false
        case .closeNewcomer:
            logger.info("peer \(peer.id) \(peer.address) duplicates a connection that stays: closing it")
            close(peer)
            return true
        case .closeOthers(let ids):
            for id in ids {
                guard let twin = peers[id] else { continue }
                logger.info(
                    "peer \(id) \(twin.address) duplicates peer \(peer.id), opened by the lower nonce: closing it")
                close(twin)
            }
            return false
        }
    }
}
