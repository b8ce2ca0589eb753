import Foundation
import NIOCore
import TallyChain
import TallyCrypto
import TallyWire

/// Headers-first sync, wired: headers from every peer, then the blocks `BlockSync` assigns. On the
/// event loop; chain work runs off it.
extension PeerManager {
    /// Asks `peer` for the headers after our best chain, up to `stop` (zero: as many as it sends).
    func requestHeaders(from peer: Peer, stop: Hash256 = .zero) {
        let bound = self.bound
        let services = self.services
        let id = peer.id
        offLoop {
            let locator = services.locator()
            bound.eventLoop.execute {
                bound.value.peers[id]?.send(.getHeaders(GetHeadersMessage(locator: locator, hashStop: stop)))
            }
        }
    }

    func receivedHeaders(_ headers: [BlockHeader], from peer: Peer) {
        guard !headers.isEmpty else { return }
        relay.learn(peer.id, headers.map(\.hash))
        let full = headers.count == HeadersMessage.maximumCount
        perform(for: peer) { [services] in
            services.acceptHeaders(headers, keepLowWork: full)
        } then: {
            manager, peer, outcome in
            manager.headersProcessed(outcome, count: headers.count, full: full, from: peer)
        }
    }

    private func headersProcessed(_ outcome: HeadersOutcome, count: Int, full: Bool, from peer: Peer?) {
        if let peer, let offence = Offence.charged(for: outcome) { penalise(peer, offence) }
        switch outcome {
        case .accepted(let lastHeight, let lowWork):
            if let peer {
                sync.peer(peer.id, reached: lastHeight)
                if lowWork { countLowWorkHeaders(count, from: peer) }
                // A full message means the peer has more.
                if full { requestHeaders(from: peer) }
            }
            refreshSummary()
            scheduleDownloads()
        case .lowWork:
            if let peer { countLowWorkHeaders(count, from: peer) }
        case .missingParent:
            guard let peer else { break }
            if sync.headersDidNotConnect(from: peer.id) {
                // Announced headers we cannot place: ask for the chain that leads to them.
                requestHeaders(from: peer)
            } else {
                penalise(
                    peer,
                    .nuisance(
                        "more than \(BlockSync.unconnectedHeadersAllowance) headers messages that do not connect, without progress"
                    ))
            }
        case .rejected(let violation):
            // The headers before the one too far ahead were stored: their blocks may be fetched.
            logger.info("headers from peer \(peer?.id ?? -1) not taken: \(violation)")
            refreshSummary()
            scheduleDownloads()
        case .unlinked, .invalid, .knownInvalid, .nodeFailure:
            break  // charged above, or the node's own failure (logged by the node)
        }
    }

    /// Headers of a chain with less work than ours are dropped (or kept while more may follow), but
    /// a peer that keeps sending them is wasting our time: past the allowance, each further
    /// allowance's worth costs it a protocol-violation penalty.
    private func countLowWorkHeaders(_ count: Int, from peer: Peer) {
        guard sync.countLowWorkHeaders(count, from: peer.id) else { return }
        penalise(
            peer,
            .protocolViolation(
                "more than \(configuration.lowWorkHeaderAllowance) headers of chains with less work than ours"))
    }

    func receivedBlock(_ block: Block, encoded: [UInt8], from peer: Peer) {
        let hash = block.hash
        relay.learn(peer.id, hash)
        let requested = sync.blockArrived(hash)
        perform(for: peer) { [services] in
            services.submitBlock(block, encoded: encoded, requested: requested)
        } then: {
            manager, peer, outcome in
            manager.blockProcessed(outcome, block: block, requested: requested, from: peer)
            if let peer, requested, !manager.sync.wantsRound(after: peer.id) { return }
            manager.scheduleDownloads()
        }
    }

    private func blockProcessed(_ outcome: BlockOutcome, block: Block, requested: Bool, from peer: Peer?) {
        let hash = block.hash
        switch outcome {
        case .accepted:
            if let peer { sync.peer(peer.id, reached: block.transactions.first?.coinbaseData?.height ?? 0) }
        case .duplicate:
            if !requested { logger.debug("peer \(peer?.id ?? -1) sent a block we have: \(hash)") }
        case .orphan:
            if let peer { requestHeaders(from: peer) }
        case .invalid(let violation):
            let reason = String("\(violation)".prefix(111))
            peer?.send(.reject(RejectMessage(message: Block.command, code: .invalid, reason: reason, hash: hash)))
        case .rejected(let violation):
            logger.info("block \(hash) from peer \(peer?.id ?? -1) not taken: \(violation)")
        case .unwanted, .knownInvalid, .nodeFailure:
            break  // charged below, or the node's own failure (logged by the node)
        }
        if let peer, let offence = Offence.charged(for: outcome, hash: hash) { penalise(peer, offence) }
    }

    /// Fills every peer's download window with the lowest missing blocks of the best header chain.
    func scheduleDownloads() {
        guard !stopped, sync.beginRound() else { return }
        let limit = sync.roundLimit
        let bound = self.bound
        let services = self.services
        offLoop {
            let missing = services.missingBlocks(limit: limit)
            bound.eventLoop.execute {
                let manager = bound.value
                let ready = manager.peers.values.filter { $0.isReady && !$0.closing }.map(\.id)
                for (id, hashes) in manager.sync.finishRound(missing: missing, ready: ready) {
                    manager.peers[id]?.send(.getData(GetDataMessage(inventory: hashes.map(InventoryVector.block))))
                }
            }
        }
    }
}
