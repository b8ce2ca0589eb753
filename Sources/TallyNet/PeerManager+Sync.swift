import Foundation
import NIOCore
import TallyChain
import TallyCrypto
import TallyWire

/// Headers-first sync, wired: headers from every peer, then the blocks `BlockSync` assigns. On the
/// event loop; chain work runs off it.
extension PeerManager {
    /// Asks `peer` for the headers after our best chain, up to `stop` (zero: as many as it sends),
    /// or after `locator` when given (a chain being counted or asked for again).
    func requestHeaders(from peer: Peer, after locator: [Hash256]? = nil, stop: Hash256 = .zero) {
        if let locator {
            peer.send(.getHeaders(GetHeadersMessage(locator: locator, hashStop: stop)))
            return
        }
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
        guard let first = headers.first else { return }
        relay.learn(peer.id, headers.map(\.hash))
        // Once a block has spread, every peer that takes it tells us of it: an announcement of our
        // tip, or of a block we are taking in now, has nothing to store or fetch, and is not taken
        // to the node (at a hundred nodes, a dozen round trips per block at each).
        if headers.count == 1, first.hash == summary.tipHash || arrivingBlocks.contains(first.hash) {
            if first.hash == summary.tipHash { sync.peer(peer.id, reached: summary.height) }
            return
        }
        let full = headers.count == HeadersMessage.maximumCount
        if let presync = sync.presync(of: peer.id), first.previousBlockHash == presync.expectedParent {
            if presync.isRedownloading {
                receivedAgain(headers, full: full, presync: presync, from: peer)
            } else {
                count(headers, full: full, following: presync.expectedParent, from: peer)
            }
            return
        }
        perform(for: peer) { [services] in
            services.acceptHeaders(headers, workProven: false)
        } then: {
            manager, peer, outcome in
            manager.headersProcessed(outcome, headers: headers, full: full, from: peer)
        }
    }

    func headersProcessed(_ outcome: HeadersOutcome, headers: [BlockHeader], full: Bool, from peer: Peer?) {
        if let peer, let offence = Offence.charged(for: outcome) { penalise(peer, offence) }
        switch outcome {
        case .accepted(let lastHeight):
            if let peer {
                sync.peer(peer.id, reached: lastHeight)
                // A full message means the peer has more.
                if full { requestHeaders(from: peer) }
            }
            refreshSummary()
            scheduleDownloads()
        case .lowWork(let work):
            guard let peer else { break }
            if full {
                // The rest may overtake our tip: counted, not stored, until it does. A host that
                // left such chains unfinished before pays for them now, if they add up.
                countLowWorkHeaders(0, from: peer)
                logger.info("peer \(peer.id) \(peer.address): counting a chain with less work than ours")
                let last = headers[headers.count - 1].hash
                sync.setPresync(
                    HeaderPresync(
                        forkParent: headers[0].previousBlockHash, work: work, headers: headers.count, end: last),
                    of: peer.id)
                requestHeaders(from: peer, after: [last])
            } else {
                countLowWorkHeaders(headers.count, from: peer)
            }
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

    /// The next message of a chain being counted: its work is added; once the chain has more work
    /// than our tip it is asked for again from its fork, to be stored.
    private func count(_ headers: [BlockHeader], full: Bool, following previous: Hash256, from peer: Peer) {
        perform(for: peer) { [services] in
            services.countHeaders(headers, following: previous)
        } then: {
            manager, peer, counted in
            // A copy of a message already counted (asked for twice) is not counted again.
            guard let peer, var presync = manager.sync.presync(of: peer.id), !presync.isRedownloading,
                presync.expectedParent == previous
            else { return }
            switch counted {
            case .work(let work, let tipWork):
                let end = headers[headers.count - 1].hash
                if !presync.count(work: work, headers: headers.count, end: end) {
                    manager.sync.setPresync(nil, of: peer.id)
                    manager.logger.info(
                        "peer \(peer.id) \(peer.address): a chain of \(presync.headerCount)+ headers still has less work than ours"
                    )
                    manager.countLowWorkHeaders(presync.headerCount, from: peer)
                } else if !(presync.work < tipWork) {
                    manager.logger.info(
                        "peer \(peer.id) \(peer.address): its chain has more work than ours after \(presync.headerCount) headers; asking for it again"
                    )
                    presync.startRedownload()
                    manager.sync.setPresync(presync, of: peer.id)
                    manager.requestHeaders(from: peer, after: [presync.forkParent])
                } else if full {
                    manager.sync.setPresync(presync, of: peer.id)
                    manager.requestHeaders(from: peer, after: [end])
                } else {
                    manager.logger.info(
                        "peer \(peer.id) \(peer.address): its chain ended with less work than ours after \(presync.headerCount) headers"
                    )
                    manager.sync.setPresync(nil, of: peer.id)
                    manager.countLowWorkHeaders(presync.headerCount, from: peer)
                }
            case .unlinked:
                manager.sync.setPresync(nil, of: peer.id)
                manager.penalise(peer, .protocolViolation("headers that do not follow one another"))
            case .invalid(let violation):
                manager.sync.setPresync(nil, of: peer.id)
                manager.penalise(peer, .invalidData("headers: \(violation)"))
            }
        }
    }

    /// A message of a counted chain, asked for again: stored if it ends where the counted one did.
    private func receivedAgain(_ headers: [BlockHeader], full: Bool, presync: HeaderPresync, from peer: Peer) {
        var presync = presync
        guard presync.redownload(endingAt: headers[headers.count - 1].hash) else {
            sync.setPresync(nil, of: peer.id)
            penalise(peer, .protocolViolation("headers asked for again differ from those counted"))
            return
        }
        let complete = presync.isComplete
        sync.setPresync(complete ? nil : presync, of: peer.id)
        perform(for: peer) { [services] in
            services.acceptHeaders(headers, workProven: true)
        } then: {
            manager, peer, outcome in
            guard case .accepted = outcome else {
                // Not stored after all (invalid, or a failure of ours): the counting is over.
                if let peer { manager.sync.setPresync(nil, of: peer.id) }
                manager.headersProcessed(outcome, headers: headers, full: full, from: peer)
                return
            }
            manager.headersProcessed(outcome, headers: headers, full: false, from: peer)
            // Onward from the message's end, not from our best header: that may still be our own.
            if let peer, full || !complete {
                manager.requestHeaders(from: peer, after: [headers[headers.count - 1].hash])
            }
        }
    }

    /// Headers of a chain with less work than ours are not stored, but a host that keeps sending
    /// them is wasting our time: past the allowance, each further allowance's worth costs it a
    /// protocol-violation penalty.
    private func countLowWorkHeaders(_ count: Int, from peer: Peer) {
        guard sync.countLowWorkHeaders(count, from: peer.host) else { return }
        penalise(
            peer,
            .protocolViolation(
                "more than \(configuration.lowWorkHeaderAllowance) headers of chains with less work than ours"))
    }

    func receivedBlock(_ block: Block, encoded: [UInt8], from peer: Peer) {
        relay.learn(peer.id, block.hash)
        guard wouldPush(block) else {
            return takeBlock(block, encoded: encoded, checked: [], from: peer, pushedBeforeValidation: false)
        }
        // Pushed on before it is validated, but never before its header is (a header without proof
        // of work pushed to a peer would cost us our good name there) nor before its body is the
        // one the header commits to. Checked, not stored (it is stored with the block), and taken
        // in the same job, so that nothing queued behind it (the next block, say) runs before it is
        // stored.
        let requested = sync.blockArrived(block.hash)
        let push = pusher(except: peer)
        perform(for: peer) { [services] in
            var checked: BlockChecks.Done = []
            if case .accepted = services.checkHeader(block.header), block.computedMerkleRoot == block.header.merkleRoot
            {
                checked = .merkleRoot
                push(block)
            }
            return services.submitBlock(block, encoded: encoded, requested: requested, checked: checked)
        } then: { manager, peer, outcome in
            manager.tookBlock(block, outcome, requested: requested, from: peer, pushedBeforeValidation: false)
        }
    }

    /// Hands a block to the chain. `pushedBeforeValidation`: rebuilt from a `cmpctblock` a peer
    /// pushed because we asked it to, before validating it (BIP 152): if invalid, not its fault.
    /// `checked`: what was checked of it already.
    func takeBlock(
        _ block: Block, encoded: [UInt8], checked: BlockChecks.Done, from peer: Peer, pushedBeforeValidation: Bool
    ) {
        let requested = sync.blockArrived(block.hash)
        perform(for: peer) { [services] in
            services.submitBlock(block, encoded: encoded, requested: requested, checked: checked)
        } then: { manager, peer, outcome in
            manager.tookBlock(
                block, outcome, requested: requested, from: peer, pushedBeforeValidation: pushedBeforeValidation)
        }
    }

    /// What follows the chain's verdict on a block taken from a peer (`sync.blockArrived` was
    /// called for it).
    func tookBlock(
        _ block: Block, _ outcome: BlockOutcome, requested: Bool, from peer: Peer?, pushedBeforeValidation: Bool
    ) {
        arrivingBlocks.remove(block.hash)
        sync.blockProcessed(block.hash)
        blockProcessed(
            outcome, block: block, requested: requested, from: peer, pushedBeforeValidation: pushedBeforeValidation)
        if let peer, requested, !sync.wantsRound(after: peer.id) { return }
        scheduleDownloads()
    }

    private func blockProcessed(
        _ outcome: BlockOutcome, block: Block, requested: Bool, from peer: Peer?, pushedBeforeValidation: Bool
    ) {
        let hash = block.hash
        switch outcome {
        case .accepted:
            if let peer {
                sync.peer(peer.id, reached: block.transactions.first?.coinbaseData?.height ?? 0)
                deliveredFirst(by: peer)
            }
        case .duplicate:
            if !requested { logger.debug("peer \(peer?.id ?? -1) sent a block we have: \(hash)") }
        case .orphan:
            if let peer { requestHeaders(from: peer) }
        case .invalid(let violation):
            let reason = String("\(violation)".prefix(111))
            peer?.send(.reject(RejectMessage(message: Block.command, code: .invalid, reason: reason, hash: hash)))
        case .rejected(let violation):
            logger.info("block \(hash) from peer \(peer?.id ?? -1) not taken: \(violation)")
            guard let peer, requested, violation.rule == .merkleRoot || violation.rule == .encoding else { break }
            // A body that is not the one its header commits to, served when asked: the block may
            // be fine, this peer's copy is not. Asked of others, never of it again (charged below).
            sync.notFound([hash], from: peer.id)
        case .unwanted, .knownInvalid, .nodeFailure:
            break  // charged below, or the node's own failure (logged by the node)
        }
        guard let peer, let offence = Offence.charged(for: outcome, hash: hash, requested: requested) else { return }
        if pushedBeforeValidation {
            // BIP 152: a peer pushing a block before validating it, as we asked, relays what its
            // creator made; the creator is charged by whoever it sent the block to.
            return logger.info("peer \(peer.id) pushed block \(hash) before validating it: \(offence), not charged")
        }
        penalise(peer, offence)
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
                // The block after our tip, from a peer that speaks compact blocks, comes compact: its
                // transactions are likely in our mempool already (BIP 152's low-bandwidth mode).
                let next = missing.first { $0.height == manager.summary.height + 1 }?.hash
                for (id, hashes) in manager.sync.finishRound(missing: missing, ready: ready) {
                    guard let peer = manager.peers[id] else { continue }
                    let inventory = hashes.map {
                        InventoryVector(type: $0 == next && peer.speaksCompact ? .compactBlock : .block, hash: $0)
                    }
                    peer.send(.getData(GetDataMessage(inventory: inventory)))
                }
            }
        }
    }
}
