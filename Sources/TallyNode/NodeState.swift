import Foundation
import TallyChain
import TallyMempool
import TallyMining

/// What the node's single writer owns: the chain, the mempool and the bookkeeping around them.
/// Not `Sendable`: it is reachable only inside `Node.sync`, which holds the node's lock, so the
/// compiler rejects any other way in.
public final class NodeState {
    public let chain: ChainState
    public let mempool: Mempool
    var miner: Miner?
    /// Blocks the miner still has to find before it stops by itself (nil: until stopped).
    var blocksToMine: Int?
    var lastTemplateRefresh = Date.distantPast
    var refreshPending = false
    /// A write of the coins cache is scheduled (`Node.coinsWriteDelay` after a new tip).
    var coinsWritePending = false
    /// Hash-rate samples: (hashes, time) of the last readings.
    var hashSamples: [(count: UInt64, time: Date)] = []
    var lastSyncLog: (time: Date, height: UInt32) = (.distantPast, 0)
    /// When the best header last moved, or the tip moved along its chain.
    var lastChainProgress = Date()

    init(chain: ChainState, mempool: Mempool) {
        self.chain = chain
        self.mempool = mempool
    }

    /// Headers with more work than the tip are known and their blocks are still arriving: mining on
    /// the tip would be wasted. Once `Node.fetchPatience` passes with neither a new tip nor a new
    /// best header, the blocks cannot be had (a partition cut them off, a peer left) and mining
    /// resumes.
    var isFetchingBetterChain: Bool {
        chain.isSyncing && Date().timeIntervalSince(lastChainProgress) < Node.fetchPatience
    }

    /// Hashes per second over the last few seconds.
    func sampleHashRate() -> UInt64 {
        let count = miner?.hashCount ?? 0
        let now = Date()
        // A miner stopped or replaced since the last reading counts from zero again.
        if let last = hashSamples.last, count < last.count { hashSamples.removeAll() }
        hashSamples.append((count, now))
        hashSamples.removeAll { now.timeIntervalSince($0.time) > 10 }
        guard let first = hashSamples.first, now.timeIntervalSince(first.time) > 0.5 else { return 0 }
        return UInt64(Double(count - first.count) / now.timeIntervalSince(first.time))
    }
}
