import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// Announcing what is new, and serving what peers ask for without letting a slow reader grow
/// memory: requested items are sent one at a time, only while the peer's send buffer is below its
/// high-water mark (NIO's writability).
extension PeerNetwork {
    /// New blocks on the active chain (lowest first): their headers go to every peer that does not
    /// have them, so a peer can fetch the block at once (one round trip less than an `inv`).
    public func announceBlocks(_ headers: [BlockHeader]) {
        loop.execute { [self] in
            refreshSummary()
            let recent = Array(headers.suffix(8))
            for peer in peers.values where peer.isReady {
                let unknown = recent.filter { !peer.knownInventory.contains($0.hash) }
                guard !unknown.isEmpty else { continue }
                unknown.forEach { peer.learn($0.hash) }
                peer.send(.headers(HeadersMessage(headers: unknown)))
                NetworkMetrics.blocksRelayed.increment(by: Int64(unknown.count))
            }
        }
    }

    /// Transactions newly in the mempool: announced in batches (every `relayBatchInterval`).
    public func announceTransactions(_ txids: [Hash256]) {
        loop.execute { [self] in
            for peer in peers.values where peer.isReady {
                peer.pendingTransactionAnnouncements += txids.filter { !peer.knownInventory.contains($0) }
            }
        }
    }

    func flushTransactionAnnouncements() {
        for peer in peers.values where peer.isReady && !peer.pendingTransactionAnnouncements.isEmpty {
            let txids = peer.pendingTransactionAnnouncements.filter { !peer.knownInventory.contains($0) }
            peer.pendingTransactionAnnouncements.removeAll()
            guard !txids.isEmpty else { continue }
            txids.forEach(peer.learn)
            NetworkMetrics.transactionsRelayed.increment(by: Int64(txids.count))
            for chunk in stride(from: 0, to: txids.count, by: InvMessage.maximumCount) {
                let slice = txids[chunk..<min(chunk + InvMessage.maximumCount, txids.count)]
                peer.send(.inv(InvMessage(inventory: slice.map(InventoryVector.transaction))))
            }
        }
    }

    /// A peer's send buffer crossed a water mark: we read from it only while it reads from us.
    func writabilityChanged(_ peer: Peer) {
        peer.updateReading(pendingLimit: configuration.maximumPendingWork)
        if peer.channel.isWritable { serveGetData(peer) }
    }

    /// Sends the next items a peer asked for — a run of up to 8 blocks or 1,000 transactions, one
    /// trip to the chain — if its send buffer has room; called again when they are written and
    /// whenever the peer becomes writable.
    func serveGetData(_ peer: Peer) {
        guard !peer.serving, !peer.closing, peer.channel.isWritable, let first = peer.getDataQueue.first else { return }
        peer.serving = true
        let limit = first.type == .block ? 8 : 1_000
        let run = Array(peer.getDataQueue.prefix { $0.type == first.type }.prefix(limit))
        peer.getDataQueue.removeFirst(run.count)
        offLoop { [self] in
            let found: [Message?] = run.map { item in
                item.type == .block ? services.block(item.hash).map(Message.block) : services.transaction(item.hash).map(Message.tx)
            }
            loop.execute { [self] in
                peer.serving = false
                guard !peer.closing else { return }
                for message in found.compactMap({ $0 }) { peer.channel.write(message, promise: nil) }
                let missing = zip(run, found).filter { $0.1 == nil }.map(\.0)
                if !missing.isEmpty { peer.channel.write(Message.notFound(NotFoundMessage(inventory: missing)), promise: nil) }
                peer.channel.flush()
                serveGetData(peer)
            }
        }
    }
}
