import Foundation
import NIOCore
import TallyCrypto
import TallyWire

/// Answering requests whose answers can be large, one at a time — one per turn of the event loop —
/// as the peer's output budget allows (`AnswerQueue`), and picking up where we left off when a
/// spent budget is given back. On the event loop.
extension PeerManager {
    /// Queues a request with a large answer and answers it if nothing is ahead of it.
    func enqueueAnswer(_ request: AnswerQueue.Request, for peer: Peer) {
        peer.answers.add(request)
        peer.updateReading(pendingLimit: configuration.maximumPendingWork)
        serveAnswers(peer)
    }

    /// The peer's spent output budget was given back: serve what waits for it.
    func outputRestored(_ peer: Peer) {
        serveAnswers(peer)
        serveGetData(peer)
    }

    /// Begins the next answer if none is in progress and the peer's output budget has room; each
    /// answer, once written, calls this again.
    func serveAnswers(_ peer: Peer) {
        guard !peer.closing, peer.hasOutputRoom, let request = peer.answers.next() else { return }
        peer.updateReading(pendingLimit: configuration.maximumPendingWork)
        switch request {
        case .headers(let request):
            perform(for: peer) { [services] in
                services.headers(after: request.locator, stop: request.hashStop, limit: HeadersMessage.maximumCount)
            } then: { manager, peer, headers in
                peer?.send(.headers(HeadersMessage(headers: headers)))
                manager.answered(peer)
            }
        case .blockHashes(let request):
            perform(for: peer) { [services] in
                services.blockHashes(after: request.locator, stop: request.hashStop, limit: 500)
            } then: { manager, peer, hashes in
                if !hashes.isEmpty { peer?.send(.inv(InvMessage(inventory: hashes.map(InventoryVector.block)))) }
                manager.answered(peer)
            }
        case .addresses:
            peer.send(.addr(AddrMessage(entries: sampledAddresses())))
            answered(peer)
        case .mempool:
            perform(for: peer) { [services] in
                services.mempoolTransactionIDs()
            } then: { manager, peer, txids in
                guard let peer else { return }
                // Always at least one answer, empty when the mempool is, so a client need not guess.
                if txids.isEmpty { peer.send(.inv(InvMessage(inventory: []))) }
                manager.answered(peer, announcing: txids[...])
            }
        case .mempoolRest(let txids):
            answered(peer, announcing: txids)
        case .blockTransactions(let request):
            if let block = recentBlocks[request.blockHash] {
                answerBlockTransactions(request, from: block, to: peer)
                return answered(peer)
            }
            perform(for: peer) { [services] in
                services.block(request.blockHash)
            } then: { manager, peer, block in
                defer { manager.answered(peer) }
                // A block we do not have: nothing to say (it may have been another branch's).
                guard let peer, let block else { return }
                manager.answerBlockTransactions(request, from: block, to: peer)
            }
        }
    }

    private func answerBlockTransactions(_ request: GetBlockTransactionsMessage, from block: Block, to peer: Peer) {
        guard let answer = BlockTransactionsMessage(answering: request, from: block) else {
            return penalise(peer, .protocolViolation("getblocktxn for positions past the block's end"))
        }
        peer.send(.blockTransactions(answer))
    }

    /// Up to 1,000 addresses for an `addr` answer, sampled again at most once a second.
    private func sampledAddresses(now: Date = Date()) -> [AddrMessage.Entry] {
        if let cached = addressAnswer, now.timeIntervalSince(cached.made) < 1 { return cached.entries }
        let time = UInt32(now.timeIntervalSince1970)
        let entries = addresses.sample(limit: AddrMessage.maximumCount).map {
            AddrMessage.Entry(time: time, services: .network, address: $0)
        }
        addressAnswer = (entries, now)
        return entries
    }

    /// The answer in progress is written; the next one (or the next step of a mempool answer) may
    /// begin. `txids`: mempool txids still to announce, one `inv` of them now.
    private func answered(_ peer: Peer?, announcing txids: ArraySlice<Hash256> = []) {
        guard let peer else { return }
        var rest: AnswerQueue.Request?
        if !txids.isEmpty {
            let chunk = txids.prefix(InvMessage.maximumCount)
            relay.learn(peer.id, chunk)
            peer.send(.inv(InvMessage(inventory: chunk.map(InventoryVector.transaction))))
            if chunk.count < txids.count { rest = .mempoolRest(txids.dropFirst(chunk.count)) }
        }
        // The next answer on a later turn of the loop (until then this one counts as in progress):
        // a peer with many requests gets one answer per turn, the sockets of every other peer are
        // served in between (`NetworkConfiguration.turnPause`).
        let bound = self.bound
        let id = peer.id
        let next = rest
        loop.scheduleTask(in: turnPause) {
            let manager = bound.value
            guard let peer = manager.peers[id] else { return }
            peer.answers.finished(rest: next)
            peer.updateReading(pendingLimit: manager.configuration.maximumPendingWork)
            manager.serveAnswers(peer)
        }
    }
}
