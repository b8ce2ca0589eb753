import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// Headers-first sync: headers from every peer, then the blocks they describe from several peers
/// at once within a bounded window. Runs on the event loop; chain work runs on `work`.
extension PeerNetwork {
    /// Asks `peer` for the headers after our best chain, up to `stop` (zero: as many as it sends).
    func requestHeaders(from peer: Peer, stop: Hash256 = .zero) {
        work.async { [self] in
            let locator = services.locator()
            loop.execute { peer.send(.getHeaders(GetHeadersMessage(locator: locator, hashStop: stop))) }
        }
    }

    func receivedHeaders(_ headers: [BlockHeader], from peer: Peer) {
        guard !headers.isEmpty else { return }
        headers.forEach { peer.learn($0.hash) }
        work.async { [self] in
            let outcome = services.acceptHeaders(headers)
            loop.execute { [self] in
                switch outcome {
                case .accepted(let lastHeight):
                    peer.bestHeight = max(peer.bestHeight, lastHeight)
                    // A full message means the peer has more.
                    if headers.count == HeadersMessage.maximumCount { requestHeaders(from: peer) }
                    refreshSummary()
                    scheduleDownloads()
                case .missingParent:
                    // Announced headers we cannot place: ask for the chain that leads to them.
                    requestHeaders(from: peer)
                case .invalid(let why):
                    penalise(peer, .invalidData("headers: \(why)"))
                }
            }
        }
    }

    func receivedBlock(_ block: Block, from peer: Peer) {
        let hash = block.hash
        peer.learn(hash)
        let requested = downloads.received(hash) != nil
        work.async { [self] in
            let outcome = services.submitBlock(block)
            loop.execute { [self] in
                switch outcome {
                case .accepted:
                    peer.bestHeight = max(peer.bestHeight, block.transactions.first?.coinbaseData?.height ?? 0)
                case .duplicate:
                    if !requested { logger.debug("peer \(peer.id) sent a block we have: \(hash)") }
                case .orphan:
                    requestHeaders(from: peer)
                case .invalid(let why):
                    peer.send(.reject(RejectMessage(message: Block.command, code: .invalid, reason: String(why.prefix(111)), hash: hash)))
                    penalise(peer, .invalidData("block \(hash): \(why)"))
                case .rejected(let why):
                    logger.info("block \(hash) from peer \(peer.id) not taken: \(why)")
                }
                scheduleDownloads()
            }
        }
    }

    /// Fills every peer's download window with the lowest missing blocks of the best header chain.
    func scheduleDownloads() {
        guard !downloadScheduled, !stopped else { return }
        downloadScheduled = true
        work.async { [self] in
            let missing = services.missingBlocks(limit: 1_024)
            loop.execute { [self] in
                downloadScheduled = false
                guard !missing.isEmpty else { return }
                let now = Date()
                let available = peers.values
                    .filter { $0.isReady && !$0.closing && ($0.stallingUntil.map { $0 < now } ?? true) }
                    .sorted { $0.id < $1.id }
                    .map { (peer: $0.id, bestHeight: $0.bestHeight) }
                for (id, hashes) in downloads.schedule(wanted: missing, peers: available, now: now) {
                    peers[id]?.send(.getData(GetDataMessage(inventory: hashes.map(InventoryVector.block))))
                }
            }
        }
    }
}
