import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// Headers-first sync: headers from every peer, then the blocks they describe from several peers
/// at once within a bounded window. Runs on the event loop; chain work runs on `work`.
extension PeerNetwork {
    /// Asks `peer` for the headers after our best chain, up to `stop` (zero: as many as it sends).
    func requestHeaders(from peer: Peer, stop: Hash256 = .zero) {
        offLoop { [self] in
            let locator = services.locator()
            loop.execute { peer.send(.getHeaders(GetHeadersMessage(locator: locator, hashStop: stop))) }
        }
    }

    func receivedHeaders(_ headers: [BlockHeader], from peer: Peer) {
        guard !headers.isEmpty else { return }
        headers.forEach { peer.learn($0.hash) }
        let full = headers.count == HeadersMessage.maximumCount
        perform(for: peer) { [services] in services.acceptHeaders(headers, keepLowWork: full) } then: { [self] outcome in
            switch outcome {
            case .accepted(let lastHeight, let lowWork):
                peer.bestHeight = max(peer.bestHeight, lastHeight)
                if lowWork { countLowWorkHeaders(headers.count, from: peer) }
                // A full message means the peer has more.
                if full { requestHeaders(from: peer) }
                refreshSummary()
                scheduleDownloads()
            case .lowWork:
                countLowWorkHeaders(headers.count, from: peer)
            case .missingParent:
                // Announced headers we cannot place: ask for the chain that leads to them.
                requestHeaders(from: peer)
            case .unlinked:
                penalise(peer, .protocolViolation("headers that do not follow one another"))
            case .invalid(let why):
                penalise(peer, .invalidData("headers: \(why)"))
            }
        }
    }

    /// Headers of a chain with less work than ours are dropped (or kept while more may follow), but
    /// a peer that keeps sending them is wasting our time: past the allowance, each further
    /// allowance's worth costs it a protocol-violation penalty.
    private func countLowWorkHeaders(_ count: Int, from peer: Peer) {
        peer.lowWorkHeaders += count
        guard peer.lowWorkHeaders > configuration.lowWorkHeaderAllowance else { return }
        peer.lowWorkHeaders = 0
        penalise(peer, .protocolViolation("more than \(configuration.lowWorkHeaderAllowance) headers of chains with less work than ours"))
    }

    func receivedBlock(_ block: Block, from peer: Peer) {
        let hash = block.hash
        peer.learn(hash)
        let requested = downloads.received(hash) != nil
        perform(for: peer) { [services] in services.submitBlock(block, requested: requested) } then: { [self] outcome in
            switch outcome {
            case .accepted:
                peer.bestHeight = max(peer.bestHeight, block.transactions.first?.coinbaseData?.height ?? 0)
            case .duplicate:
                if !requested { logger.debug("peer \(peer.id) sent a block we have: \(hash)") }
            case .orphan:
                requestHeaders(from: peer)
            case .unwanted:
                penalise(peer, .nuisance("block \(hash) not asked for, on a chain with less work than ours"))
            case .invalid(let why):
                peer.send(.reject(RejectMessage(message: Block.command, code: .invalid, reason: String(why.prefix(111)), hash: hash)))
                penalise(peer, .invalidData("block \(hash): \(why)"))
            case .rejected(let why):
                logger.info("block \(hash) from peer \(peer.id) not taken: \(why)")
            }
            scheduleDownloads()
        }
    }

    /// Fills every peer's download window with the lowest missing blocks of the best header chain.
    func scheduleDownloads() {
        guard !downloadScheduled, !stopped else { return }
        downloadScheduled = true
        offLoop { [self] in
            let missing = services.missingBlocks(limit: 1_024)
            loop.execute { [self] in
                downloadScheduled = false
                guard !missing.isEmpty else { return }
                let now = Date()
                let available = peers.values
                    .filter { $0.isReady && !$0.closing && ($0.stallingUntil.map { $0 < now } ?? true) }
                    .sorted { $0.id < $1.id }
                    .map { (peer: $0.id, bestHeight: $0.bestHeight) }
                let schedule = downloads.schedule(wanted: missing, peers: available, now: now) { [peers] id, hash in
                    peers[id]?.lackingBlocks.contains(hash) == false
                }
                for (id, hashes) in schedule {
                    peers[id]?.send(.getData(GetDataMessage(inventory: hashes.map(InventoryVector.block))))
                }
            }
        }
    }
}
