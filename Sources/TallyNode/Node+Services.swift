import Foundation
import TallyChain
import TallyCrypto
import TallyMempool
import TallyNet
import TallyWire

/// What the peer network asks of the node. Each call takes the node's queue; the network makes them
/// off its event loop.
extension Node: NodeServices {
    public func summary() -> ChainSummary {
        let rate = isMining ? hashRate() : 0
        return queue.sync {
            let tip = chain.tip
            return ChainSummary(height: tip.height, tipHash: tip.hash,
                                chainWork: ChainWork(bigEndianBytes: tip.chainWork.bigEndianBytes)!,
                                bestHeaderHeight: chain.index.bestHeader?.height ?? tip.height, syncing: chain.isSyncing,
                                mempoolCount: mempool.count, mempoolBytes: mempool.totalBytes, mining: miner != nil,
                                hashRate: rate, uptime: UInt64(Date().timeIntervalSince(started)))
        }
    }

    public func locator() -> [Hash256] {
        queue.sync { chain.index.locator(from: chain.index.bestHeader) }
    }

    public func acceptHeaders(_ headers: [BlockHeader], keepLowWork: Bool) -> HeadersOutcome {
        queue.sync {
            do {
                let best = chain.index.bestHeader?.hash
                switch try chain.acceptHeaderRun(headers, keepLowWork: keepLowWork) {
                case .accepted(let entries):
                    if chain.index.bestHeader?.hash != best { lastChainProgress = Date() }
                    let last = entries.last ?? chain.tip
                    return .accepted(lastHeight: last.height, lowWork: last.chainWork < chain.tip.chainWork)
                case .lowWork:
                    return .lowWork
                }
            } catch ChainError.missingParent {
                return .missingParent
            } catch ChainError.unlinkedHeaders {
                return .unlinked
            } catch let violation as RuleViolation where !violation.rule.condemnsBlock {
                return .accepted(lastHeight: chain.height, lowWork: false)
            } catch {
                return .invalid("\(error)")
            }
        }
    }

    public func missingBlocks(limit: Int) -> [(hash: Hash256, height: UInt32)] {
        queue.sync { chain.index.missingBlocks(limit: limit).map { ($0.hash, $0.height) } }
    }

    public func submitBlock(_ block: Block, requested: Bool) -> BlockOutcome {
        if !requested && !queue.sync(execute: { chain.isWorthProcessing(unrequested: block) }) { return .unwanted }
        do {
            let result = try submit(block)
            switch result.outcome {
            case .duplicate: return .duplicate
            case .orphan(let missing): return .orphan(missing: missing)
            case .accepted:
                if let violation = result.invalid[block.hash] { return .invalid("\(violation)") }
                return .accepted
            }
        } catch let violation as RuleViolation {
            return violation.rule.condemnsBlock ? .invalid("\(violation)") : .rejected("\(violation)")
        } catch {
            return .invalid("\(error)")
        }
    }

    public func submitTransaction(_ tx: Transaction) -> TransactionOutcome {
        do {
            return .accepted(try submit(tx).map(\.txid))
        } catch {
            switch error {
            case .rule(let violation): return .invalid("\(violation)")
            case .alreadyKnown: return .known
            case .missingInputs(let parents): return .orphan(missing: parents)
            case .policy, .insufficientFee, .conflict: return .rejected(error.rejectCode, "\(error)")
            }
        }
    }

    public func headers(after locator: [Hash256], stop: Hash256, limit: Int) -> [BlockHeader] {
        queue.sync { chain.index.activeEntries(after: locator, stop: stop, limit: limit).map(\.header) }
    }

    public func blockHashes(after locator: [Hash256], stop: Hash256, limit: Int) -> [Hash256] {
        queue.sync { chain.index.activeEntries(after: locator, stop: stop, limit: limit).map(\.hash) }
    }

    public func block(_ hash: Hash256) -> Block? {
        queue.sync {
            guard let entry = chain.index[hash], entry.status == .haveData else { return nil }
            return try? chain.block(hash)
        }
    }

    public func transaction(_ txid: Hash256) -> Transaction? {
        queue.sync { mempool.transaction(txid) }
    }

    public func mempoolTransactionIDs() -> [Hash256] {
        queue.sync { Array(mempool.entries.keys) }
    }

    public func knowsBlock(_ hash: Hash256) -> Bool {
        queue.sync { chain.index[hash] != nil }
    }

    /// In the mempool, or confirmed with its first output still unspent (a cheap look-up that
    /// catches announcements of transactions already mined).
    public func knowsTransaction(_ txid: Hash256) -> Bool {
        queue.sync { mempool.contains(txid) || (try? chain.coin(OutPoint(txid: txid, index: 0))) != nil }
    }
}
