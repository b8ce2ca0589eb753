import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// Announcing what is new, and serving what peers ask for without letting a slow reader grow
/// memory: requested items are sent a run at a time, only while the peer's output budget has room
/// (`PeerFlowHandler`). On the event loop.
extension PeerManager {
    /// New blocks on the active chain (lowest first): the newest pushed as `cmpctblock` to the peers
    /// that asked for pushes, the headers to every other peer that does not have them.
    func announceBlocks(_ blocks: [Block]) {
        if let newest = blocks.last { pushCompactBlock(newest, except: nil) }
        refreshSummary()
        for (id, unknown) in relay.blockAnnouncements(blocks.map(\.header), to: readyPeers.map(\.id)) {
            peers[id]?.send(.headers(HeadersMessage(headers: unknown)))
            NetworkMetrics.blocksRelayed.increment(by: Int64(unknown.count))
        }
    }

    func announceTransactions(_ txids: [Hash256]) {
        relay.queueTransactions(txids, for: readyPeers.map(\.id))
    }

    func flushTransactionAnnouncements() {
        for id in relay.peersWithPendingTransactions {
            guard let peer = peers[id], peer.isReady else { continue }
            for chunk in relay.flushTransactions(for: id) {
                NetworkMetrics.transactionsRelayed.increment(by: Int64(chunk.count))
                peer.send(.inv(InvMessage(inventory: chunk.map(InventoryVector.transaction))))
            }
        }
    }

    /// Sends the next run of items a peer asked for if its output budget has room; called again when
    /// they are written and whenever its spent budget is given back.
    func serveGetData(_ peer: Peer) {
        guard !peer.closing, peer.hasOutputRoom, peer.pendingTransactions == 0,
            let run = relay.nextRun(for: peer.id)
        else { return }
        let bound = self.bound
        let services = self.services
        let id = peer.id
        offLoop {
            let found: [Message?] = run.map { item in
                switch item.type {
                case .block: services.block(item.hash).map(Message.block)
                case .compactBlock:
                    services.block(item.hash).map {
                        Message.compactBlock(CompactBlockMessage(block: $0, nonce: SecureRandom.uint64()))
                    }
                default: services.transaction(item.hash).map(Message.tx)
                }
            }
            bound.eventLoop.execute {
                let manager = bound.value
                manager.relay.finishedRun(for: id)
                guard let peer = manager.peers[id], !peer.closing else { return }
                for message in found.compactMap({ $0 }) { peer.channel.write(message, promise: nil) }
                let missing = zip(run, found).filter { $0.1 == nil }.map(\.0)
                if !missing.isEmpty {
                    peer.channel.write(Message.notFound(NotFoundMessage(inventory: missing)), promise: nil)
                }
                peer.channel.flush()
                manager.serveGetData(peer)
            }
        }
    }
}
