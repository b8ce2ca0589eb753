import Foundation
import TallyCrypto
import TallyWire

/// Why a block or header was not taken, other than a broken consensus rule (`RuleViolation`).
public enum ChainError: Error, Equatable, CustomStringConvertible {
    /// A header whose parent is not known.
    case missingParent(Hash256)
    /// A block or header already found invalid.
    case knownInvalid(Hash256)
    /// A header in a run that does not follow the one before it.
    case unlinkedHeaders(Hash256)

    public var description: String {
        switch self {
        case .missingParent(let hash): "parent \(hash) is unknown"
        case .knownInvalid(let hash): "block \(hash) is known to be invalid"
        case .unlinkedHeaders(let hash): "header \(hash) does not follow the header before it"
        }
    }
}

/// The consensus state of one node: every known header, the active chain with the most work, and
/// its UTXO set (on disk, behind a write-back cache). Not `Sendable`: it has a single writer (the
/// node holds it behind its lock).
public final class ChainState: CoinView {
    public let parameters: ChainParameters
    public let store: ChainStore
    public private(set) var index = BlockIndex()
    private var orphans = OrphanBlocks()
    /// Blocks received in this call, so activation need not read them back from disk.
    private var justReceived: [Hash256: Block] = [:]
    /// Blocks of this `acceptBlock` whose payments the mempool accepted (`BlockChecks.Done.payments`):
    /// their keys and signatures are not checked again when they connect.
    private var paymentsAccepted: Set<Hash256> = []
    /// Signature checks started as soon as a block that extends the tip passed its cheap checks,
    /// so that they overlap storing it.
    private var earlyVerifications: [Hash256: PendingVerification] = [:]
    private let verifier: SignatureVerifier
    /// Transactions whose signatures verified (in the mempool), shared with block connection.
    public let signatureCache: SignatureCache
    private let clock: () -> UInt32
    private var coinCache: CoinCache
    /// The cache is written to the store when it holds more entries than this (then emptied) …
    private let coinCacheLimit: Int
    /// … or when this many blocks connected since the last write, which bounds the blocks a restart
    /// after a crash connects again (Protocol.md §12).
    private static let blocksBetweenFlushes = 2_000
    private var blocksSinceFlush = 0

    /// Opens (or creates) the chain in `store`, then finishes any reorganisation a crash interrupted.
    public init(
        store: ChainStore, parameters: ChainParameters, signatureThreads: Int = 1,
        coinCacheLimit: Int = ChainState.defaultCoinCacheLimit,
        clock: @escaping () -> UInt32 = { UInt32(Date().timeIntervalSince1970) }
    ) throws {
        self.store = store
        self.parameters = parameters
        self.coinCacheLimit = coinCacheLimit
        coinCache = CoinCache(capacity: coinCacheLimit)
        signatureCache = SignatureCache()
        self.verifier = SignatureVerifier(threads: signatureThreads, cache: signatureCache)
        self.clock = clock
        var stored = try store.loadHeaders()
        if stored.isEmpty {
            let genesis = parameters.genesis
            let sequence = try store.insert(genesis.header, hash: genesis.hash, height: 0, blockData: genesis.encoded)
            try store.write { writer in
                try writer.connect(genesis.hash, height: 0, spent: [])
                try writer.applyCoins([], tip: genesis.hash)
            }
            stored = [
                ChainStore.StoredHeader(
                    hash: genesis.hash, header: genesis.header, height: 0, status: .haveData, sequence: sequence)
            ]
        }
        guard stored[0].hash == parameters.genesisHash else {
            throw ChainStore.StoreError.damaged("the first block is not this network's genesis")
        }
        for header in stored {
            let parent = header.height == 0 ? nil : index[header.header.previousBlockHash]
            guard header.height == 0 || parent != nil else {
                throw ChainStore.StoreError.damaged("orphan header \(header.hash)")
            }
            let work = (parent?.chainWork ?? .zero) + Target.work(of: Target.decode(bits: header.header.bits) ?? .max)
            let entry = BlockIndexEntry(
                hash: header.hash, header: header.header, height: header.height, parent: parent,
                chainWork: work, sequence: header.sequence)
            index.insert(entry, status: header.status)
            if header.status == .haveData { index.markHaveData(entry) }
        }
        guard let tipHash = try store.activeTip(), let tip = index[tipHash] else {
            throw ChainStore.StoreError.damaged("no active tip")
        }
        index.setActiveTip(tip)
        try catchUpCoins()
        _ = try activateBestChain()
        // Written at once, so that the store just opened (by `tallyd check` too) matches its chain.
        if coinCache.count > 0 { try flushCoins() }
    }

    /// Entries of the coins cache before it is written out: its table, made for them at the start,
    /// is 65,536 slots of 80 bytes (5 MiB), so a node's memory does not grow with it.
    public static let defaultCoinCacheLimit = 49_152

    /// The cache is worth writing out before it is full: two thirds of the limit. The node does it
    /// a moment after a new tip (`flushCoins`), when the block has been passed on, so that the
    /// write rarely falls inside a block's connection, which relay and every later hop wait for.
    public var coinCacheWorthWriting: Bool { coinCache.count > coinCacheLimit / 3 * 2 }

    /// Connects again, in the cache, the blocks of the active chain that were connected after the
    /// stored UTXO set was last written (a crash lost the cache).
    private func catchUpCoins() throws {
        guard let coinsTip = try store.coinsTip(), coinsTip != tip.hash else { return }
        guard let from = index[coinsTip], tip.ancestor(at: from.height) === from else {
            throw ChainStore.StoreError.damaged("the UTXO set matches \(coinsTip), not a block of the active chain")
        }
        for height in (from.height + 1)...tip.height {
            let entry = tip.ancestor(at: height)!
            guard let block = try block(entry.hash) else {
                throw ChainStore.StoreError.damaged("no data for \(entry.hash)")
            }
            coinCache.apply(try BlockConnector.connect(block, height: height, view: self, parameters: parameters))
        }
    }

    /// Writes the coins cache to the store and empties it. The node calls it before it stops;
    /// otherwise the next start connects the blocks since the last write again.
    public func flushCoins() throws {
        let changes = coinCache.changes
        let tipHash = tip.hash
        try store.write { try $0.applyCoins(changes, tip: tipHash) }
        coinCache.flushed()
        blocksSinceFlush = 0
    }

    private func flushCoinsIfDue() throws {
        if coinCache.count > coinCacheLimit || blocksSinceFlush >= Self.blocksBetweenFlushes { try flushCoins() }
    }

    public var tip: BlockIndexEntry { index.tip }

    /// Checks `tx`'s signatures (rule R22) unless they were found valid before; remembers them when
    /// they are, so that its block connects without checking them again.
    public func verifySignatures(of tx: Transaction) -> RuleViolation? {
        if signatureCache.contains(tx) { return nil }
        if let failure = SignatureVerifier.verify(tx, parameters: parameters) { return failure }
        signatureCache.insert(tx)
        return nil
    }
    public var height: UInt32 { index.tip.height }

    public func block(_ hash: Hash256) throws -> Block? {
        if let block = justReceived[hash] { return block }
        guard let data = try store.blockData(hash) else { return nil }
        return try Block(decoding: data)
    }

    public func coin(_ outpoint: OutPoint) throws -> Coin? {
        if let cached = coinCache.lookup(outpoint) { return cached }
        let coin = try store.coin(outpoint)
        coinCache.remember(outpoint, coin)
        return coin
    }

    /// What the coins cache holds of `outpoint`, without asking the store: `.some(coin)` when it
    /// knows (nil: not unspent), nil when only the store can tell.
    public func cachedCoin(_ outpoint: OutPoint) -> Coin?? { coinCache.lookup(outpoint) }

    /// Runs `body` with the coins of `outpoints` the cache lacks read from the store in one go, so
    /// that a batch of transactions costs one read, not one per input.
    public func withCoins<T>(of outpoints: [OutPoint], _ body: () throws -> T) throws -> T {
        try readAhead(outpoints)
        let result = try body()
        try flushCoinsIfDue()
        return result
    }

    /// Reads the coins of `outpoints` the cache lacks in one store read.
    private func readAhead(_ outpoints: [OutPoint]) throws {
        try read(outpoints.filter { !coinCache.knows($0) })
    }

    /// The block's effect on the UTXO set, from the coins cache alone when it holds every coin the
    /// block spends (those of transactions that came through the mempool), without a pass to find
    /// what to read; otherwise the coins it lacks are read in one go, not one per input, and the
    /// block is connected again.
    private func connectionReadingAhead(_ block: Block, height: UInt32, keysChecked: Bool) throws -> BlockConnection {
        do {
            return try BlockConnector.connect(
                block, height: height, view: coinCache, parameters: parameters, keysChecked: keysChecked)
        } catch let violation as RuleViolation where violation.rule == .missingOrSpent {
            try readAhead(inputsOf: block)
            return try BlockConnector.connect(
                block, height: height, view: self, parameters: parameters, keysChecked: keysChecked)
        }
    }

    /// Reads the coins the inputs of `block` spend that the cache lacks, in one store read.
    private func readAhead(inputsOf block: Block) throws {
        var missing: [OutPoint] = []
        for tx in block.transactions.dropFirst() {
            for input in tx.inputs where !coinCache.knows(input.outpoint) { missing.append(input.outpoint) }
        }
        try read(missing)
    }

    private func read(_ missing: [OutPoint]) throws {
        guard !missing.isEmpty else { return }
        for (outpoint, coin) in try store.coins(missing) { coinCache.remember(outpoint, coin) }
    }

    // MARK: Headers

    /// Checks a header against its parent (rules R1–R6) and adds it to the index.
    @discardableResult
    public func acceptHeader(_ header: BlockHeader) throws -> BlockIndexEntry {
        try acceptHeader(header, hash: header.hash, blockData: nil)
    }

    private func acceptHeader(
        _ header: BlockHeader, hash: Hash256, blockData: [UInt8]?, inserter: ChainStore.HeaderInserter? = nil
    ) throws -> BlockIndexEntry {
        if let known = index[hash] {
            if index.status(of: known).isInvalid { throw ChainError.knownInvalid(hash) }
            return known
        }
        return try insert(
            header, hash: hash, checked: checkNew(header, hash: hash), blockData: blockData, inserter: inserter)
    }

    /// A header the index lacks, checked against its parent (rules R1–R6): the parent, and the
    /// header's target.
    private func checkNew(_ header: BlockHeader, hash: Hash256) throws -> NewHeader {
        let parent = try validParent(of: header)
        let target = try HeaderChecks.check(header, hash: hash, parent: parent, parameters: parameters, now: clock())
        return NewHeader(parent: parent, target: target)
    }

    private struct NewHeader {
        let parent: BlockIndexEntry
        let target: UInt256
    }

    /// Adds a header `checkNew` passed to the store and the index.
    private func insert(
        _ header: BlockHeader, hash: Hash256, checked: NewHeader, blockData: [UInt8]?,
        inserter: ChainStore.HeaderInserter? = nil
    ) throws -> BlockIndexEntry {
        let parent = checked.parent
        let sequence =
            try inserter?.insert(header, hash: hash, height: parent.height + 1, blockData: blockData)
            ?? store.insert(header, hash: hash, height: parent.height + 1, blockData: blockData)
        let entry = BlockIndexEntry(
            hash: hash, header: header, height: parent.height + 1, parent: parent,
            chainWork: parent.chainWork + Target.work(of: checked.target), sequence: sequence)
        index.insert(entry, status: blockData == nil ? .headerOnly : .haveData)
        return entry
    }

    /// The parent a new header needs: known, and not invalid.
    private func validParent(of header: BlockHeader) throws -> BlockIndexEntry {
        guard let parent = index[header.previousBlockHash] else {
            throw ChainError.missingParent(header.previousBlockHash)
        }
        guard !index.status(of: parent).isInvalid else {
            throw RuleViolation(.invalidAncestor, "parent \(parent.hash) is invalid")
        }
        return parent
    }

    /// Checks a header that comes with its block (pushed, or in a `cmpctblock`) by the rules
    /// `acceptHeaderRun` applies to a run of one, and stores nothing: the header is stored with its
    /// block, in one write rather than two, and relay waits for neither.
    public func checkHeader(_ header: BlockHeader) throws -> HeaderCheck {
        let hash = header.hash
        let target = try HeaderChecks.checkProofOfWork(header, hash: hash, parameters: parameters)
        if let known = index[hash] {
            if index.status(of: known).isInvalid { throw ChainError.knownInvalid(hash) }
            return .acceptable(height: known.height)
        }
        let parent = try validParent(of: header)
        let work = parent.chainWork + Target.work(of: target)
        if work < tip.chainWork { return .lowWork(chainWork: work) }
        _ = try HeaderChecks.check(header, hash: hash, parent: parent, parameters: parameters, now: clock())
        return .acceptable(height: parent.height + 1)
    }

    /// Accepts a run of headers from a peer only if the chain they lead to has at least the active
    /// tip's work, or `workProven` is set (the peer's chain was counted to more work than the tip
    /// before it was asked for again, Protocol.md §13.8): a chain with less work is never stored, so
    /// it costs disk nothing. Every header's proof of work and link to the one before are checked
    /// before anything is looked up.
    public func acceptHeaderRun(_ headers: [BlockHeader], workProven: Bool) throws -> HeaderRunAcceptance {
        let (hashes, runWork) = try HeaderChecks.checkRun(headers, parameters: parameters)
        guard let first = headers.first else { return .accepted([]) }
        guard let parent = index[first.previousBlockHash] else {
            if let known = index[hashes[0]], index.status(of: known).isInvalid {
                throw ChainError.knownInvalid(hashes[0])
            }
            throw ChainError.missingParent(first.previousBlockHash)
        }
        let work = parent.chainWork + runWork
        if !workProven && index[hashes[hashes.count - 1]] == nil && work < tip.chainWork {
            return .lowWork(chainWork: work)
        }
        // One store transaction for the run; a header that fails ends it, and those before it stay.
        var entries: [BlockIndexEntry] = []
        var failure: Error?
        try store.insertingHeaders { inserter in
            for (header, hash) in zip(headers, hashes) {
                do {
                    entries.append(try acceptHeader(header, hash: hash, blockData: nil, inserter: inserter))
                } catch  where error is RuleViolation || error is ChainError {
                    failure = error
                    break
                }
            }
        }
        if let failure { throw failure }
        return .accepted(entries)
    }

    /// Whether a block not asked for is worth processing: its chain has at least the tip's work, so
    /// a stranger cannot make the node store blocks of a chain that cannot win (Protocol.md §13.8).
    /// So is one whose header fails its proof of work, which processing condemns (the sender is
    /// punished for it, not ignored), and one the node has: a duplicate, found at no cost (a late
    /// answer to a request the node gave up on).
    public func isWorthProcessing(unrequested block: Block) -> Bool {
        let hash = block.hash
        if let known = index[hash] {
            return index.status(of: known) == .haveData || !(known.chainWork < tip.chainWork)
        }
        guard let target = try? HeaderChecks.checkProofOfWork(block.header, hash: hash, parameters: parameters) else {
            return true
        }
        guard let parent = index[block.header.previousBlockHash] else { return false }
        return !(parent.chainWork + Target.work(of: target) < tip.chainWork)
    }

    /// Blocks waiting for their parent.
    public var orphanCount: Int { orphans.count }

    /// Whether a known header chain has more work than the active tip: the node is still fetching.
    public var isSyncing: Bool { index.bestHeader.map { tip.chainWork < $0.chainWork } ?? false }

    // MARK: Blocks

    /// Takes a block from a peer or a miner: checks it, stores it, and moves the active chain to the
    /// valid chain with the most work. Throws for a block rejected outright; a block that fails only
    /// when connected is reported in the result's `invalid`. `checked`: what the caller checked of
    /// it already (see `BlockChecks.Done`).
    public func acceptBlock(
        _ block: Block, encoded: [UInt8]? = nil, checked: BlockChecks.Done = []
    ) throws -> BlockAcceptance {
        defer {
            justReceived.removeAll()
            paymentsAccepted.removeAll()
            for pending in earlyVerifications.values { _ = pending.wait() }
            earlyVerifications.removeAll()
        }
        let hash = block.hash
        if let known = index[hash] {
            if index.status(of: known).isInvalid { throw ChainError.knownInvalid(hash) }
            if index.status(of: known) == .haveData { return BlockAcceptance(.duplicate) }
        } else if index[block.header.previousBlockHash] == nil {
            // R1 needs no parent: a block whose hash misses its own target, or whose target is
            // easier than the network's limit, is refused before it takes a place in the orphan pool
            // (otherwise anyone could fill the pool, pushing real orphans out, at no cost).
            _ = try HeaderChecks.checkProofOfWork(block.header, hash: hash, parameters: parameters)
            orphans.add(block, hash: hash)
            return BlockAcceptance(.orphan(missing: orphans.missingRoot(of: hash)))
        }
        try store(block, hash: hash, encoded: encoded, checked: checked)
        var result = BlockAcceptance(.accepted)
        var parents = [hash]
        while let parent = parents.popLast() {
            for child in orphans.takeChildren(of: parent) {
                let childHash = child.hash
                do {
                    try store(child, hash: childHash)
                    parents.append(childHash)
                } catch let violation as RuleViolation {
                    result.invalid[childHash] = violation
                } catch is ChainError {
                    continue
                }
            }
        }
        let (change, invalid) = try activateBestChain()
        result.tipChange = change
        result.invalid.merge(invalid) { first, _ in first }
        return result
    }

    /// Checks what can be checked before connecting, then stores the block as a candidate.
    private func store(
        _ block: Block, hash: Hash256, encoded: [UInt8]? = nil, checked: BlockChecks.Done = []
    ) throws {
        let known = index[hash]
        if let known, index.status(of: known).isInvalid { throw ChainError.knownInvalid(hash) }
        // Validate the header before spending effort on the body; it is stored with the body.
        let new = known == nil ? try checkNew(block.header, hash: hash) : nil
        let height = known?.height ?? new!.parent.height + 1
        do {
            try BlockChecks.check(block, done: checked)
            guard block.transactions[0].coinbaseData?.height == height else {
                throw RuleViolation(
                    .coinbaseHeight,
                    "coinbase says height \(block.transactions[0].coinbaseData?.height ?? 0), block is at \(height)")
            }
        } catch let violation as RuleViolation {
            if violation.rule.condemnsBlock {
                let entry = try known ?? insert(block.header, hash: hash, checked: new!, blockData: nil)
                try markInvalid(entry)
            }
            throw violation
        }
        if checked.contains(.payments) { paymentsAccepted.insert(hash) }
        if block.header.previousBlockHash == tip.hash {
            earlyVerifications[hash] = verifier.start(
                block, parameters: parameters, paymentsVerified: checked.contains(.payments))
        }
        let data = encoded ?? block.encoded
        let entry: BlockIndexEntry
        if let known {
            try store.storeBlockData(data, hash: hash)
            entry = known
        } else {
            entry = try insert(block.header, hash: hash, checked: new!, blockData: data)
        }
        justReceived[hash] = block
        index.markHaveData(entry)
    }

    private func markInvalid(_ entry: BlockIndexEntry) throws {
        let marked = index.markInvalid(entry)
        try store.setStatus(.invalid, for: [entry.hash])
        try store.setStatus(.invalidAncestor, for: marked.dropFirst().map(\.hash))
    }

    // MARK: Choosing the active chain

    /// Moves the active chain to the candidate with the most work, one block per store transaction.
    /// A block that fails is marked invalid with its descendants, and the next best candidate is
    /// tried, which may be the chain that was active before.
    private func activateBestChain() throws -> (TipChange, [Hash256: RuleViolation]) {
        var change = TipChange()
        var invalid: [Hash256: RuleViolation] = [:]
        while let best = index.bestCandidate(), tip.chainWork < best.chainWork {
            let fork = index.fork(tip, best)
            while tip !== fork { change.disconnected.append(try disconnectTip()) }
            var path: [BlockIndexEntry] = []
            var e = best
            while e !== fork {
                path.append(e)
                e = e.parent!
            }
            for entry in path.reversed() {
                guard let block = try block(entry.hash) else {
                    throw ChainStore.StoreError.damaged("no data for \(entry.hash)")
                }
                do {
                    try connect(block, entry: entry)
                    change.connected.append(block)
                } catch let violation as RuleViolation {
                    invalid[entry.hash] = violation
                    try markInvalid(entry)
                    break
                }
            }
        }
        return (change, invalid)
    }

    private func connect(_ block: Block, entry: BlockIndexEntry) throws {
        let accepted = paymentsAccepted.contains(entry.hash)
        let pending =
            earlyVerifications.removeValue(forKey: entry.hash)
            ?? verifier.start(block, parameters: parameters, paymentsVerified: accepted)
        do {
            let connection = try connectionReadingAhead(block, height: entry.height, keysChecked: accepted)
            try store.write { writer in
                try writer.connect(entry.hash, height: entry.height, spent: connection.spent)
                // Written while the signatures are still being checked; a failure rolls it back.
                if let failure = pending.wait() { throw failure }
            }
            coinCache.apply(connection)
        } catch {
            _ = pending.wait()
            throw error
        }
        index.setActiveTip(entry)
        blocksSinceFlush += 1
        try flushCoinsIfDue()
    }

    private func disconnectTip() throws -> Block {
        let entry = tip
        guard let parent = entry.parent, let block = try block(entry.hash) else {
            throw ChainStore.StoreError.damaged("cannot disconnect \(entry.hash)")
        }
        try flushCoins()
        try store.write { try $0.disconnect(block, hash: entry.hash, height: entry.height) }
        index.setActiveTip(parent)
        index.addCandidate(entry)
        return block
    }

    // MARK: Checks

    /// Rebuilds the UTXO set by replaying the active chain from genesis, without the store's UTXO
    /// table: equal to the stored set on a consistent store.
    public func replayCoins() throws -> MemoryCoins {
        var coins = MemoryCoins()
        for entry in index.active.dropFirst() {
            guard let block = try block(entry.hash) else {
                throw ChainStore.StoreError.damaged("no data for \(entry.hash)")
            }
            coins.apply(try BlockConnector.connect(block, height: entry.height, view: coins, parameters: parameters))
        }
        return coins
    }
}
