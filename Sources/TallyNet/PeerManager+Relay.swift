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
        if let newest = blocks.last {
            // Peers told of it by `headers` ask for it compact, then for what they lack.
            recentBlocks.add(newest)
            pushCompactBlock(newest, except: nil)
        }
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
        let byteLimit = configuration.outputBudget
        // The newest blocks are asked for by many peers at once (compact, by those told of them by
        // `headers`): served from memory, not read back from the store and decoded again for each,
        // but only once stored (checked, and not found invalid), as a block read from the store is.
        let recent = run.compactMap { recentBlocks[$0.hash] }
        offLoop {
            // Items are fetched until the run holds the output budget's worth of bytes: the rest go
            // back to the front of the queue, so one `getdata` of large items (or one item many
            // times) cannot queue more than about a budget past a spent one.
            var found: [Message?] = []
            var bytes = 0
            for item in run where bytes < byteLimit {
                switch item.type {
                case .block, .compactBlock:
                    let block =
                        if let held = recent.first(where: { $0.hash == item.hash }) {
                            services.hasBlock(item.hash) ? held : nil
                        } else {
                            services.block(item.hash)
                        }
                    bytes += block?.size ?? 0
                    found.append(
                        block.map {
                            item.type == .block
                                ? .block($0)
                                : .compactBlock(CompactBlockMessage(block: $0, nonce: SecureRandom.uint64()))
                        })
                default:
                    let tx = services.transaction(item.hash)
                    bytes += tx?.size ?? 0
                    found.append(tx.map(Message.tx))
                }
            }
            let served = run.prefix(found.count)
            let unserved = Array(run.dropFirst(found.count))
            let messages = found
            bound.eventLoop.execute {
                let manager = bound.value
                manager.relay.finishedRun(for: id, unserved: unserved)
                guard let peer = manager.peers[id], !peer.closing else { return }
                for message in messages.compactMap({ $0 }) { peer.channel.write(message, promise: nil) }
                let missing = zip(served, messages).filter { $0.1 == nil }.map(\.0)
                if !missing.isEmpty {
                    peer.channel.write(Message.notFound(NotFoundMessage(inventory: missing)), promise: nil)
                }
                peer.channel.flush()
                manager.serveGetData(peer)
            }
        }
    }
}
