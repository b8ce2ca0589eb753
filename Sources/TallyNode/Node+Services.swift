import Foundation
import TallyChain
import TallyCrypto
import TallyMempool
import TallyNet
import TallyWire

/// What the peer network asks of the node. Each call takes the node's lock; the network makes them
/// from its work queue, off its event loop.
extension Node: NodeServices {
    public func summary() -> ChainSummary {
        sync { state in
            let chain = state.chain
            let tip = chain.tip
            return ChainSummary(
                height: tip.height, tipHash: tip.hash,
                chainWork: ChainWork(bigEndianBytes: tip.chainWork.bigEndianBytes)!,
                bestHeaderHeight: chain.index.bestHeader?.height ?? tip.height, syncing: chain.isSyncing,
                mempoolCount: state.mempool.count, mempoolBytes: state.mempool.totalBytes, mining: state.miner != nil,
                hashRate: state.miner == nil ? 0 : state.sampleHashRate(),
                uptime: UInt64(Date().timeIntervalSince(started)))
        }
    }

    public func locator() -> [Hash256] {
        sync { $0.chain.index.locator(from: $0.chain.index.bestHeader) }
    }

    public func countHeaders(_ headers: [BlockHeader], following previous: Hash256) -> HeaderCount {
        do {
            let work = try HeaderChecks.checkRun(
                headers, following: previous, parameters: configuration.network.parameters
            )
            .work
            return .work(work, tipWork: sync { $0.chain.tip.chainWork })
        } catch let violation as RuleViolation {
            return .invalid(violation)
        } catch {
            return .unlinked
        }
    }

    public func acceptHeaders(_ headers: [BlockHeader], workProven: Bool) -> HeadersOutcome {
        headersOutcome(while: "storing \(headers.count) header(s)") { chain in
            switch try chain.acceptHeaderRun(headers, workProven: workProven) {
            case .accepted(let entries): .accepted(lastHeight: (entries.last ?? chain.tip).height)
            case .lowWork(let work): .lowWork(chainWork: work)
            }
        }
    }

    public func checkHeader(_ header: BlockHeader) -> HeadersOutcome {
        headersOutcome(while: "checking header \(header.hash)") { chain in
            switch try chain.checkHeader(header) {
            case .acceptable(let height): .accepted(lastHeight: height)
            case .lowWork(let work): .lowWork(chainWork: work)
            }
        }
    }

    /// The chain's verdict on headers as the network layer takes it; progress of the best header
    /// chain is noted, whatever the verdict on the headers after those stored.
    private func headersOutcome(
        while activity: @autoclosure () -> String, _ body: (ChainState) throws -> HeadersOutcome
    ) -> HeadersOutcome {
        do {
            return try sync { state in
                let chain = state.chain
                let best = chain.index.bestHeader?.hash
                defer { if chain.index.bestHeader?.hash != best { state.lastChainProgress = Date() } }
                do {
                    return try body(chain)
                } catch ChainError.missingParent {
                    return .missingParent
                } catch ChainError.unlinkedHeaders {
                    return .unlinked
                } catch ChainError.knownInvalid(let hash) {
                    return .knownInvalid(hash)
                } catch let violation as RuleViolation where !violation.rule.condemnsBlock {
                    return .rejected(violation)
                } catch let violation as RuleViolation {
                    return .invalid(violation)
                }
            }
        } catch {
            _ = reportFailure(error, while: activity())
            return .nodeFailure
        }
    }

    public func missingBlocks(limit: Int) -> [(hash: Hash256, height: UInt32)] {
        sync { $0.chain.index.missingBlocks(limit: limit).map { ($0.hash, $0.height) } }
    }

    public func submitBlock(
        _ block: Block, encoded: [UInt8], requested: Bool, checked: BlockChecks.Done
    ) -> BlockOutcome {
        if !requested && !sync({ $0.chain.isWorthProcessing(unrequested: block) }) { return .unwanted }
        do {
            let result = try submit(block, encoded: encoded, checked: checked)
            switch result.outcome {
            case .duplicate: return .duplicate
            case .orphan(let missing): return .orphan(missing: missing)
            case .accepted:
                if let violation = result.invalid[block.hash] { return .invalid(violation) }
                return .accepted
            }
        } catch let violation as RuleViolation {
            return violation.rule.condemnsBlock ? .invalid(violation) : .rejected(violation)
        } catch ChainError.knownInvalid(let hash) {
            return .knownInvalid(hash)
        } catch ChainError.missingParent(let parent) {
            return .orphan(missing: parent)
        } catch ChainError.unlinkedHeaders {
            return .unwanted
        } catch {
            // Reported by `submit`: the node's own failure.
            return .nodeFailure
        }
    }

    public func submitTransactions(_ batch: [(peer: Int, tx: Transaction)]) -> [TransactionOutcome] {
        submit(batch.map(\.tx), announcers: batch.map(\.peer)).map { result in
            switch result {
            case .success(let added): .accepted(added.map(\.txid))
            case .failure(.rule(let violation)): .invalid(violation)
            case .failure(.alreadyKnown): .known
            case .failure(.missingInputs(let parents)): .orphan(missing: parents)
            case .failure(let error): .rejected(error)
            }
        }
    }

    public func headers(after locator: [Hash256], stop: Hash256, limit: Int) -> [BlockHeader] {
        sync { $0.chain.index.activeEntries(after: locator, stop: stop, limit: limit).map(\.header) }
    }

    public func blockHashes(after locator: [Hash256], stop: Hash256, limit: Int) -> [Hash256] {
        sync { $0.chain.index.activeEntries(after: locator, stop: stop, limit: limit).map(\.hash) }
    }

    public func block(_ hash: Hash256) -> Block? {
        sync { state in
            guard let entry = state.chain.index[hash], state.chain.index.status(of: entry) == .haveData else {
                return nil
            }
            return try? state.chain.block(hash)
        }
    }

    public func hasBlock(_ hash: Hash256) -> Bool {
        sync { state in state.chain.index[hash].map { state.chain.index.status(of: $0) == .haveData } ?? false }
    }

    public func fillFromMempool(_ reconstruction: BlockReconstruction) -> BlockReconstruction {
        var reconstruction = reconstruction
        sync { state in
            let mempool = state.mempool
            reconstruction.fill { offer in
                for (wtxid, txid) in mempool.txidsByWtxid { offer(wtxid) { mempool.entries[txid]!.tx } }
            }
        }
        return reconstruction
    }

    public func transaction(_ txid: Hash256) -> Transaction? {
        sync { $0.mempool.transaction(txid) }
    }

    public func mempoolTransactionIDs() -> [Hash256] {
        sync { Array($0.mempool.entries.keys) }
    }

    /// A transaction is known in the mempool, or confirmed with its first output still unspent (a
    /// cheap look-up that catches announcements of transactions already mined). The index, the
    /// mempool and the coins cache are asked under the lock; the stored UTXO set after it, in one
    /// read: a node hearing of a thousand transactions held everyone's lock for those reads (up to
    /// 0.9 s on a loaded machine), and nothing read for a stranger's announcement is kept in the cache.
    public func unknown(blocks: [Hash256], transactions: [Hash256]) -> (blocks: [Hash256], transactions: [Hash256]) {
        var unknownTransactions: [Hash256] = []
        var askTheStore: [OutPoint] = []
        let unknownBlocks = sync { state in
            for txid in transactions where !state.mempool.contains(txid) {
                let first = OutPoint(txid: txid, index: 0)
                switch state.chain.cachedCoin(first) {
                case .some(.some): continue
                case .some(.none): unknownTransactions.append(txid)
                case .none: askTheStore.append(first)
                }
            }
            return blocks.filter { state.chain.index[$0] == nil }
        }
        if !askTheStore.isEmpty {
            // A read that fails counts them unknown: at worst they are asked for.
            let stored = (try? store.coins(askTheStore)) ?? [:]
            unknownTransactions += askTheStore.filter { (stored[$0] ?? nil) == nil }.map(\.txid)
        }
        let unknown = Set(unknownTransactions)
        return (unknownBlocks, transactions.filter(unknown.contains))
    }
}
