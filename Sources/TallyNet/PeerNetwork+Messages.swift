import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// What each message means (Bitcoin's net_processing, in small). Runs on the event loop.
extension PeerNetwork {
    func received(_ message: Message, from peer: Peer) {
        guard !peer.closing else { return }
        switch message {
        case .version(let version): receivedVersion(version, from: peer)
        case .verack:
            guard peer.versionReceived, peer.state == .awaitingVerack else {
                return penalise(peer, .protocolViolation("verack out of order"))
            }
            peer.state = .ready
            handshakeCompleted(peer)
        case .unknown(let command, _):
            logger.debug("peer \(peer.id) sent unknown command '\(command)': ignored")
        case .reject(let reject):
            logger.info("peer \(peer.id) rejected our \(reject.message): \(reject.code) \(reject.reason)")
        default:
            // Before the handshake anything else is ignored (Protocol.md §13.5).
            guard peer.isReady else { return }
            receivedWhenReady(message, from: peer)
        }
    }

    private func receivedVersion(_ version: VersionMessage, from peer: Peer) {
        guard !peer.versionReceived else { return penalise(peer, .protocolViolation("second version")) }
        if version.nonce == nonce {
            logger.info("peer \(peer.id) \(peer.address) is this node: closing")
            // Never dial that address again (it came from discovery or a peer's `addr`).
            if !peer.inbound, let target = peer.listeningTarget {
                knownAddresses[target] = nil
                ownAddresses.insert(target)
            }
            return close(peer)
        }
        guard version.protocolVersion >= ProtocolVersion.minimumSupported else {
            logger.info("peer \(peer.id) speaks protocol \(version.protocolVersion), below \(ProtocolVersion.minimumSupported)")
            peer.send(.reject(RejectMessage(message: VersionMessage.command, code: .obsolete,
                                            reason: "protocol \(version.protocolVersion) is below \(ProtocolVersion.minimumSupported)")))
            return close(peer)
        }
        peer.version = version
        peer.versionReceived = true
        // A newer peer is welcome: both speak the lower version.
        peer.protocolVersion = min(ProtocolVersion.current, version.protocolVersion)
        peer.bestHeight = UInt32(clamping: max(0, version.startHeight))
        peer.state = .awaitingVerack
        peer.send(.verack)
    }

    private func handshakeCompleted(_ peer: Peer) {
        if closedAsDuplicate(peer) { return }
        logger.info("peer \(peer.id) \(peer.address) ready: \(peer.userAgent) protocol \(peer.protocolVersion) height \(peer.bestHeight)")
        rememberListeningAddress(of: peer)
        requestHeaders(from: peer)
        if !peer.inbound { peer.send(.getAddr) }
        peer.send(.mempool)
    }

    /// Two nodes that dialled each other at once keep the connection opened by the lower nonce;
    /// returns whether `peer` was the one closed.
    private func closedAsDuplicate(_ peer: Peer) -> Bool {
        guard let twin = peers.values.first(where: { $0 !== peer && $0.isReady && $0.remoteNonce == peer.remoteNonce }) else {
            return false
        }
        let peerLoses = initiatorNonce(of: peer) > initiatorNonce(of: twin)
        let loser = peerLoses ? peer : twin
        logger.info("peer \(loser.id) duplicates another connection to the same node: closing it")
        close(loser)
        return peerLoses
    }

    private func rememberListeningAddress(of peer: Peer) {
        guard let target = peer.listeningTarget, let port = splitHostPort(target)?.port,
              let address = NetworkAddress(parsing: peer.host, port: UInt16(clamping: port)) else { return }
        knownAddresses[target] = address
    }

    /// The nonce of the node that opened the connection.
    private func initiatorNonce(of peer: Peer) -> UInt64 {
        peer.inbound ? (peer.remoteNonce ?? 0) : nonce
    }

    private func receivedWhenReady(_ message: Message, from peer: Peer) {
        switch message {
        case .ping(let ping):
            peer.send(.pong(PongMessage(nonce: ping.nonce)))
        case .pong(let pong):
            if pong.nonce == peer.pingNonce { peer.pingNonce = nil }
        case .inv(let inv):
            receivedInventory(inv.inventory, from: peer)
        case .getData(let request):
            for item in request.inventory where item.type.isKnown { peer.learn(item.hash) }
            guard peer.getDataQueue.count + request.inventory.count <= InvMessage.maximumCount else {
                return penalise(peer, .protocolViolation("more than \(InvMessage.maximumCount) items requested at once"))
            }
            peer.getDataQueue += request.inventory.filter(\.type.isKnown)
            serveGetData(peer)
        case .notFound(let message):
            // The peer lacks these blocks (its chain is another): ask someone else now.
            for item in message.inventory where item.type == .block {
                if peer.lackingBlocks.count >= Peer.maximumKnownInventory { peer.lackingBlocks.removeAll(keepingCapacity: true) }
                peer.lackingBlocks.insert(item.hash)
                downloads.notFound(item.hash, from: peer.id)
            }
            scheduleDownloads()
        case .getHeaders(let request):
            perform(for: peer) { [services] in
                services.headers(after: request.locator, stop: request.hashStop, limit: HeadersMessage.maximumCount)
            } then: { headers in
                peer.send(.headers(HeadersMessage(headers: headers)))
            }
        case .getBlocks(let request):
            perform(for: peer) { [services] in
                services.blockHashes(after: request.locator, stop: request.hashStop, limit: 500)
            } then: { hashes in
                if !hashes.isEmpty { peer.send(.inv(InvMessage(inventory: hashes.map(InventoryVector.block)))) }
            }
        case .headers(let message):
            receivedHeaders(message.headers, from: peer)
        case .block(let block):
            receivedBlock(block, from: peer)
        case .tx(let tx):
            receivedTransaction(tx, from: peer)
        case .getAddr:
            let entries = knownAddresses.values.prefix(AddrMessage.maximumCount).map {
                AddrMessage.Entry(time: UInt32(Date().timeIntervalSince1970), services: .network, address: $0)
            }
            peer.send(.addr(AddrMessage(entries: Array(entries))))
        case .addr(let message):
            // Bounded: a peer's addresses cannot grow the node's memory without limit.
            for entry in message.entries where entry.address.port != 0 && knownAddresses.count < PeerNetwork.maximumKnownAddresses {
                let target = "\(entry.address.host):\(entry.address.port)"
                if !ownAddresses.contains(target) { knownAddresses[target] = entry.address }
            }
            connectToKnownAddresses()
        case .mempool:
            perform(for: peer) { [services] in services.mempoolTransactionIDs() } then: { txids in
                // Always at least one answer, empty when the mempool is, so a client need not guess.
                if txids.isEmpty { peer.send(.inv(InvMessage(inventory: []))) }
                for chunk in stride(from: 0, to: txids.count, by: InvMessage.maximumCount) {
                    let slice = txids[chunk..<min(chunk + InvMessage.maximumCount, txids.count)]
                    slice.forEach(peer.learn)
                    peer.send(.inv(InvMessage(inventory: slice.map(InventoryVector.transaction))))
                }
            }
        case .getStatus:
            peer.send(.status(status(for: peer)))
        case .status:
            break
        case .version, .verack, .reject, .unknown:
            break  // handled before the handshake check
        }
    }

    private func receivedInventory(_ inventory: [InventoryVector], from peer: Peer) {
        guard peer.inventoryBudget.take(inventory.count) else {
            return penalise(peer, .nuisance("more than \(Int(configuration.inventoryRate)) inventory entries a second"))
        }
        let blocks = inventory.filter { $0.type == .block }.map(\.hash)
        let transactions = inventory.filter { $0.type == .transaction }.map(\.hash)
        (blocks + transactions).forEach(peer.learn)
        perform(for: peer) { [services] in
            (blocks: blocks.filter { !services.knowsBlock($0) }, transactions: transactions.filter { !services.knowsTransaction($0) })
        } then: { [self] unknown in
            // A block announced by hash: fetch the headers that lead to it (headers first).
            if let last = unknown.blocks.last { requestHeaders(from: peer, stop: last) }
            if !unknown.transactions.isEmpty {
                peer.send(.getData(GetDataMessage(inventory: unknown.transactions.map(InventoryVector.transaction))))
            }
        }
    }

    private func receivedTransaction(_ tx: Transaction, from peer: Peer) {
        peer.learn(tx.txid)
        perform(for: peer) { [services] in services.submitTransaction(tx) } then: { [self] outcome in
            switch outcome {
            case .accepted(let txids):
                announceTransactions(txids)
            case .orphan(let missing):
                peer.send(.getData(GetDataMessage(inventory: missing.map(InventoryVector.transaction))))
            case .invalid(let why):
                peer.send(.reject(RejectMessage(message: Transaction.command, code: .invalid, reason: String(why.prefix(111)), hash: tx.txid)))
                penalise(peer, .invalidData("transaction \(tx.txid): \(why)"))
            case .rejected(let code, let why):
                // Not the peer's fault, so no penalty; but a wallet waits for this to tell its user.
                peer.send(.reject(RejectMessage(message: Transaction.command, code: code, reason: String(why.prefix(111)), hash: tx.txid)))
                logger.debug("transaction \(tx.txid) from peer \(peer.id) not taken: \(why)")
            case .known:
                break
            }
        }
    }
}
