import Foundation
import NIOCore
import TallyChain
import TallyCrypto
import TallyWire

/// What each message means (Bitcoin's net_processing, in small). On the event loop.
extension PeerManager {
    func received(_ received: ReceivedMessage, from peer: Peer) {
        guard !peer.closing else { return }
        switch received.message {
        case .version(let version):
            run(peer.handshake.receive(.version(version)), for: peer)
        case .verack:
            run(peer.handshake.receive(.verack), for: peer)
        case .unknown(let command, _):
            logger.debug("peer \(peer.id) sent unknown command '\(command)': ignored")
        case .reject(let reject):
            logger.info("peer \(peer.id) rejected our \(reject.message): \(reject.code) \(reject.reason)")
        default:
            // Before the handshake anything else is ignored (Protocol.md §13.5).
            guard peer.isReady else { return run(peer.handshake.receive(.otherMessage), for: peer) }
            receivedWhenReady(received, from: peer)
        }
    }

    /// Carries out what the handshake machine decided.
    func run(_ actions: [Handshake.Action], for peer: Peer) {
        for action in actions {
            switch action {
            case .sendVerack:
                if closedAsDuplicate(peer) { return }
                sync.peer(peer.id, reached: UInt32(clamping: max(0, peer.version?.startHeight ?? 0)))
                peer.send(.verack)
            case .rejectObsolete(let reject):
                logger.info("peer \(peer.id) speaks \(reject.reason)")
                peer.send(.reject(reject))
                close(peer)
            case .closeSelfConnection:
                logger.info("peer \(peer.id) \(peer.address) is this node: closing")
                // Never dial that address again (it came from discovery or a peer's `addr`).
                if !peer.inbound, let target = peer.listeningTarget { addresses.markOwn(target) }
                close(peer)
            case .closeTimedOut:
                logger.info(
                    "peer \(peer.id) \(peer.address): no handshake within \(Int(configuration.handshakeTimeout)) s")
                close(peer)
            case .penalise(let offence):
                penalise(peer, offence)
            case .ready:
                handshakeCompleted(peer)
            }
        }
    }

    private func handshakeCompleted(_ peer: Peer) {
        logger.info(
            "peer \(peer.id) \(peer.address) ready: \(peer.userAgent) protocol \(peer.handshake.protocolVersion) height \(sync.bestHeight(of: peer.id))"
        )
        rememberListeningAddress(of: peer)
        offerCompactBlocks(to: peer)
        requestHeaders(from: peer)
        if !peer.inbound { peer.send(.getAddr) }
        peer.send(.mempool)
    }

    private func rememberListeningAddress(of peer: Peer) {
        guard let target = peer.listeningTarget, let port = splitHostPort(target)?.port,
            let address = NetworkAddress(parsing: peer.host, port: UInt16(clamping: port))
        else { return }
        addresses.markTried(target, address)
    }

    private func receivedWhenReady(_ received: ReceivedMessage, from peer: Peer) {
        switch received.message {
        case .ping(let ping):
            peer.send(.pong(PongMessage(nonce: ping.nonce)))
        case .pong(let pong):
            if pong.nonce == peer.pingNonce { peer.pingNonce = nil }
        case .inv(let inv):
            receivedInventory(inv.inventory, from: peer)
        case .getData(let request):
            guard relay.request(request.inventory, from: peer.id) else {
                return penalise(
                    peer, .protocolViolation("more than \(InvMessage.maximumCount) items requested at once"))
            }
            serveGetData(peer)
        case .notFound(let message):
            // The peer lacks these blocks (its chain is another): ask someone else now.
            let blocks = message.inventory.filter { $0.type == .block || $0.type == .compactBlock }
            sync.notFound(blocks.map(\.hash), from: peer.id)
            relay.transactionsNotFound(message.inventory.filter { $0.type == .transaction }.map(\.hash), from: peer.id)
            scheduleDownloads()
        case .getHeaders(let request):
            enqueueAnswer(.headers(request), for: peer)
        case .getBlocks(let request):
            enqueueAnswer(.blockHashes(request), for: peer)
        case .headers(let message):
            receivedHeaders(message.headers, from: peer)
        case .block(let block):
            receivedBlock(block, encoded: received.blockBytes ?? block.encoded, from: peer)
        case .tx(let tx):
            receivedTransaction(tx, from: peer)
        case .getAddr:
            enqueueAnswer(.addresses, for: peer)
        case .addr(let message):
            for entry in message.entries where entry.address.port != 0 {
                addresses.add("\(entry.address.host):\(entry.address.port)", entry.address)
            }
            connectToKnownAddresses()
        case .mempool:
            enqueueAnswer(.mempool, for: peer)
        case .getStatus:
            peer.send(.status(status(for: peer)))
        case .status:
            break
        case .sendCompact(let message):
            receivedSendCompact(message, from: peer)
        case .compactBlock(let message):
            receivedCompactBlock(message, from: peer)
        case .getBlockTransactions(let request):
            enqueueAnswer(.blockTransactions(request), for: peer)
        case .blockTransactions(let message):
            receivedBlockTransactions(message, from: peer)
        case .version, .verack, .reject, .unknown:
            break  // handled before the handshake check
        }
    }

    private func receivedInventory(_ inventory: [InventoryVector], from peer: Peer) {
        guard relay.spendInventoryBudget(peer.id, inventory.count) else {
            return penalise(peer, .nuisance("more than \(Int(configuration.inventoryRate)) inventory entries a second"))
        }
        let blocks = inventory.filter { $0.type == .block }.map(\.hash)
        let transactions = inventory.filter { $0.type == .transaction }.map(\.hash)
        relay.learn(peer.id, blocks + transactions)
        perform(for: peer) { [services] in
            services.unknown(blocks: blocks, transactions: transactions)
        } then: { manager, peer, unknown in
            guard let peer else { return }
            // A block announced by hash: fetch the headers that lead to it (headers first).
            if let last = unknown.blocks.last { manager.requestHeaders(from: peer, stop: last) }
            let ask = manager.relay.claimTransactionRequests(unknown.transactions, from: peer.id)
            if !ask.isEmpty { peer.send(.getData(GetDataMessage(inventory: ask.map(InventoryVector.transaction)))) }
        }
    }

    /// A transaction joins the batch for the node; the batch goes when the previous one is done, so
    /// under load the node takes many transactions at once (their signatures checked together, the
    /// node's lock taken once), and one at a time costs no waiting.
    private func receivedTransaction(_ tx: Transaction, from peer: Peer) {
        relay.learn(peer.id, tx.txid)
        relay.transactionArrived(tx.txid)
        peer.pendingTransactions += 1
        peer.pendingTransactionBytes += tx.size
        peer.updateReading(pendingLimit: configuration.maximumPendingWork)
        transactionBatch.append((peer.id, tx))
        submitTransactionBatch()
    }

    private func submitTransactionBatch() {
        guard !transactionBatchRunning, !transactionBatch.isEmpty else { return }
        let batch = Array(transactionBatch.prefix(PeerManager.maximumTransactionBatch))
        transactionBatch.removeFirst(batch.count)
        transactionBatchRunning = true
        let bound = self.bound
        let services = self.services
        offLoop {
            let outcomes = services.submitTransactions(batch)
            bound.eventLoop.execute { bound.value.transactionBatchProcessed(batch, outcomes) }
        }
    }

    private func transactionBatchProcessed(_ batch: [(peer: Int, tx: Transaction)], _ outcomes: [TransactionOutcome]) {
        transactionBatchRunning = false
        for ((id, tx), outcome) in zip(batch, outcomes) {
            let peer = peers[id]
            if let peer {
                peer.pendingTransactions -= 1
                peer.pendingTransactionBytes -= tx.size
                peer.updateReading(pendingLimit: configuration.maximumPendingWork)
                if peer.pendingTransactions == 0 { serveGetData(peer) }
            }
            switch outcome {
            case .accepted:
                break  // the node announces what it took, whoever sent it
            case .orphan(let missing):
                peer?.send(.getData(GetDataMessage(inventory: missing.map(InventoryVector.transaction))))
            case .invalid(let violation):
                guard let peer else { continue }
                let reason = String("\(violation)".prefix(111))
                peer.send(
                    .reject(RejectMessage(message: Transaction.command, code: .invalid, reason: reason, hash: tx.txid)))
                if let offence = Offence.charged(for: outcome, txid: tx.txid) { penalise(peer, offence) }
            case .rejected(let why):
                // Not the peer's fault, so no penalty; but a wallet waits for this to tell its user.
                let reason = String("\(why)".prefix(111))
                peer?.send(
                    .reject(
                        RejectMessage(message: Transaction.command, code: why.rejectCode, reason: reason, hash: tx.txid)
                    ))
                logger.debug("transaction \(tx.txid) from peer \(id) not taken: \(why)")
            case .known:
                break
            }
        }
        submitTransactionBatch()
    }
}
