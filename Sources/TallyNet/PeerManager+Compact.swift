import Foundation
import NIOCore
import TallyChain
import TallyCrypto
import TallyWire

/// Compact blocks (Protocol.md §13.10, BIP 152): negotiation, rebuilding a block from the mempool,
/// the peers asked to push new blocks before validating them, and serving what a peer rebuilding
/// one of ours lacks. On the event loop; the mempool is read off it.
extension PeerManager {
    /// A block being rebuilt from a peer's `cmpctblock` while its missing transactions come.
    struct PartialBlock {
        let peer: Int
        var reconstruction: BlockReconstruction
        let started: Date
        /// Pushed by a peer we asked to push (high-bandwidth): an invalid block is not its fault.
        let pushedBeforeValidation: Bool
    }

    /// What a `cmpctblock` gave, off the event loop.
    enum CompactArrival: Sendable {
        /// Its header failed, or the block is here already.
        case notWanted
        /// Rebuilt from the mempool (its merkle root checked), pushed on, and given to the chain.
        case taken(Block, BlockOutcome)
        /// Rebuilt but for the transactions the mempool lacks, to ask the sender for.
        case waiting(BlockReconstruction)
        /// Two of its short ids are equal, or the block rebuilt from the mempool alone is wrong (a
        /// short id matched the wrong transaction): the full block is asked for.
        case fullBlockNeeded

        var wanted: Bool {
            if case .notWanted = self { return false }
            return true
        }
    }

    /// After the handshake: a peer speaking version 2 is told we take compact blocks. Announce 0
    /// (it announces by `headers`, we ask for compact blocks; announce 1 comes when it earns it),
    /// but the first two outbound peers — ones we chose — are asked to push (announce 1) while
    /// nobody has earned it.
    func offerCompactBlocks(to peer: Peer) {
        guard peer.handshake.protocolVersion >= ProtocolVersion.compactBlocks else { return }
        // Not a peer whose chain is ahead of ours: we are about to catch up from it, and its pushes
        // would be blocks we cannot connect yet (our headers say nothing of that before it answers).
        let ahead = Int64(peer.version?.startHeight ?? 0) > Int64(summary.height) + 1
        let push = !peer.inbound && atTheTip && !ahead && highBandwidth.chooseAtStart(peer.id)
        if push { logger.debug("peer \(peer.id) asked to push compact blocks until peers deliver blocks first") }
        peer.send(.sendCompact(SendCompactMessage(announce: push)))
    }

    func receivedSendCompact(_ message: SendCompactMessage, from peer: Peer) {
        // Another compact version is ignored, as if never sent (a later version adds its own).
        guard message.version == SendCompactMessage.currentVersion else { return }
        peer.speaksCompact = true
        peer.wantsCompactPushes = message.announce
    }

    // MARK: Receiving

    func receivedCompactBlock(_ message: CompactBlockMessage, from peer: Peer) {
        let hash = message.header.hash
        relay.learn(peer.id, hash)
        // Already on its way from another peer's copy: high-bandwidth peers push the same block.
        guard partialBlocks[hash] == nil, !arrivingBlocks.contains(hash) else { return }
        // nil: two equal short ids, nobody can tell which transaction goes where (§13.10, step 1);
        // the full block is asked for, but only once the header has passed (it costs its sender
        // otherwise, and must not hold a download slot for nothing).
        let reconstruction = try? BlockReconstruction(message)
        let requested = sync.isInFlight(hash)
        let pushed = highBandwidth.contains(peer.id) && !requested
        // Rebuilt at once, every transaction but the coinbase comes from the mempool.
        let rebuiltChecks: BlockChecks.Done =
            message.prefilledTransactions.allSatisfy { $0.index == 0 } ? [.merkleRoot, .payments] : .merkleRoot
        let push = pusher(except: peer)
        arrivingBlocks.insert(hash)
        perform(for: peer) { [services] () -> (HeadersOutcome, CompactArrival) in
            // The header is checked, not stored: a block rebuilt at once is pushed on and taken in
            // this job, its header stored with it, and nothing queued behind it (the next block,
            // say) runs before it is stored. A block that must wait has its header stored now, so
            // that the download scheduler can ask someone else if this peer fails to deliver.
            let checked = services.checkHeader(message.header)
            guard case .accepted = checked, !services.hasBlock(hash) else { return (checked, .notWanted) }
            let arrival: CompactArrival
            if let filled = reconstruction.map(services.fillFromMempool) {
                do {
                    if let block = try filled.block {
                        push(block)
                        let outcome = services.submitBlock(
                            block, encoded: block.encoded, requested: requested, checked: rebuiltChecks)
                        return (checked, .taken(block, outcome))
                    }
                    arrival = .waiting(filled)
                } catch {
                    arrival = .fullBlockNeeded
                }
            } else {
                arrival = .fullBlockNeeded
            }
            return (services.acceptHeaders([message.header], workProven: false), arrival)
        } then: { manager, peer, result in
            let (outcome, arrival) = result
            guard let peer else {
                manager.arrivingBlocks.remove(hash)
                return
            }
            guard case .accepted(let height) = outcome, arrival.wanted else {
                manager.arrivingBlocks.remove(hash)
                // Not rebuilt (we have the block by now, or its header failed): if we asked this
                // peer for it, that request ends here, or it would stall.
                manager.sync.requestEnded(hash, of: peer.id)
                // The header alone: an invalid one costs the peer, one we lack the parent of asks
                // for the headers before it, one we have the block of is done.
                return manager.headersProcessed(outcome, headers: [message.header], full: false, from: peer)
            }
            manager.sync.peer(peer.id, reached: height)
            let filled: BlockReconstruction
            switch arrival {
            case .taken(let block, let outcome):
                _ = manager.sync.blockArrived(hash)
                return manager.tookBlock(
                    block, outcome, requested: requested, from: peer, pushedBeforeValidation: pushed)
            case .fullBlockNeeded, .notWanted:
                return manager.requestFullBlock(hash, from: peer)
            case .waiting(let partial):
                filled = partial
            }
            manager.logger.debug(
                "block \(hash) from peer \(peer.id): \(filled.missingIndexes.count) transaction(s) not in the mempool, asked"
            )
            manager.arrivingBlocks.remove(hash)
            manager.sync.rebuilding(hash, from: peer.id)
            // One rebuild per peer at a time: what a peer can make us hold is bounded.
            for (other, partial) in manager.partialBlocks where partial.peer == peer.id {
                manager.partialBlocks[other] = nil
            }
            manager.partialBlocks[hash] = PartialBlock(
                peer: peer.id, reconstruction: filled, started: Date(), pushedBeforeValidation: pushed)
            peer.send(
                .getBlockTransactions(GetBlockTransactionsMessage(blockHash: hash, indexes: filled.missingIndexes)))
        }
    }

    func receivedBlockTransactions(_ message: BlockTransactionsMessage, from peer: Peer) {
        // Not asked of this peer (or no longer wanted): ignored.
        guard let partial = partialBlocks[message.blockHash], partial.peer == peer.id else { return }
        partialBlocks[message.blockHash] = nil
        do {
            let block = try partial.reconstruction.complete(with: message)
            rebuilt(block, from: peer, pushedBeforeValidation: partial.pushedBeforeValidation)
        } catch .wrongTransactionCount {
            sync.notFound([message.blockHash], from: peer.id)
            penalise(peer, .protocolViolation("blocktxn with another number of transactions than asked"))
            scheduleDownloads()
        } catch {
            // A short id matched the wrong transaction of our mempool, or the peer sent wrong ones:
            // nobody can be blamed (§13.10, step 4).
            requestFullBlock(message.blockHash, from: peer)
        }
    }

    /// The full block instead, from the same peer (it has it), kept in flight so nobody else is
    /// asked meanwhile.
    private func requestFullBlock(_ hash: Hash256, from peer: Peer) {
        partialBlocks[hash] = nil
        arrivingBlocks.remove(hash)
        sync.rebuilding(hash, from: peer.id)
        peer.send(.getData(GetDataMessage(inventory: [InventoryVector(type: .block, hash: hash)])))
    }

    /// A block rebuilt whole: pushed on to the peers that asked for pushes, if it extends our tip
    /// (before we validate it: relay is not held up by validation), then taken as a `block`.
    private func rebuilt(_ block: Block, from peer: Peer, pushedBeforeValidation: Bool) {
        pushCompactBlock(block, except: peer)
        takeBlock(
            block, encoded: block.encoded, checked: .merkleRoot, from: peer,
            pushedBeforeValidation: pushedBeforeValidation)
    }

    /// `pushCompactBlock` for the work queue: called there with a block whose merkle root was
    /// compared, it pushes from the event loop, while the work goes on to validate the block.
    func pusher(except sender: Peer) -> @Sendable (Block) -> Void {
        let bound = self.bound
        let id = sender.id
        return { block in
            bound.eventLoop.execute {
                let manager = bound.value
                manager.pushCompactBlock(block, except: manager.peers[id])
            }
        }
    }

    /// Sends `block` as `cmpctblock` to every peer that asked for pushes and does not have it, if
    /// it extends our tip. Its body must be the one its header commits to, its merkle root compared
    /// (rebuilt from short ids, checked as it arrived whole, or connected): a damaged copy would
    /// cost every receiver a full download.
    func pushCompactBlock(_ block: Block, except sender: Peer?) {
        guard wouldPush(block) else { return }
        let receivers = readyPeers.filter {
            $0.wantsCompactPushes && $0 !== sender && !relay.knows($0.id, block.hash)
        }
        guard !receivers.isEmpty else { return }
        let message = Message.compactBlock(CompactBlockMessage(block: block, nonce: SecureRandom.uint64()))
        for receiver in receivers {
            relay.learn(receiver.id, block.hash)
            receiver.send(message)
        }
        // After the sends: making room may free the oldest block, a thousand transactions.
        recentBlocks.add(block)
        logger.debug("block \(block.hash) pushed as cmpctblock to peer(s) \(receivers.map(\.id))")
        NetworkMetrics.blocksRelayed.increment(by: Int64(receivers.count))
    }

    /// Whether `block` is one to push: it extends our tip (or is it), while we follow the network,
    /// and it can be put in compact form (a block of no transaction, or of more than a block can
    /// hold, is invalid anyway).
    func wouldPush(_ block: Block) -> Bool {
        atTheTip && (block.header.previousBlockHash == summary.tipHash || block.hash == summary.tipHash)
            && (1...Block.maximumTransactionCount).contains(block.transactions.count)
    }

    /// Whether the node follows the network block by block (at most the next block's header known
    /// ahead of its tip), not catching up: pushing and choosing who pushes to us are for new blocks.
    var atTheTip: Bool { summary.bestHeaderHeight <= summary.height + 1 }

    /// The block `peer` delivered became our tip before anyone else's copy arrived: it is among our
    /// fastest sources, so it is asked to push from now on, and the one asked longest ago stops.
    func deliveredFirst(by peer: Peer) {
        guard peer.speaksCompact, atTheTip else { return }
        let (added, dropped) = highBandwidth.deliveredFirst(by: peer.id)
        if let added {
            logger.debug("peer \(added) delivered a block first: asked to push compact blocks")
            peers[added]?.send(.sendCompact(SendCompactMessage(announce: true)))
        }
        if let dropped { peers[dropped]?.send(.sendCompact(SendCompactMessage(announce: false))) }
    }

    /// Rebuilds that waited longer than a block download may are given up: the download scheduler
    /// asks someone else (the peer counts as stalling).
    func expirePartialBlocks(now: Date) {
        for (hash, partial) in partialBlocks where now.timeIntervalSince(partial.started) > configuration.stallTimeout {
            partialBlocks[hash] = nil
        }
    }

    func forgetCompactState(of peer: Peer) {
        highBandwidth.remove(peer.id)
        for (hash, partial) in partialBlocks where partial.peer == peer.id { partialBlocks[hash] = nil }
    }
}
