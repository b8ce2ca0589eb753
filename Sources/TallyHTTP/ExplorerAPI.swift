import Foundation
import NIOHTTP1
import TallyChain
import TallyCrypto
import TallyIndex
import TallyNet
import TallyNode
import TallyWire

/// The HTTP API of openapi.json over a running node and its chain index. Every handler validates
/// its input before touching the node and answers a 4xx with a clear message when it is wrong.
/// Handlers block (they take the node's lock), so the server calls them off its event loop.
final class ExplorerAPI: Sendable {
    let node: Node
    let indexer: ChainIndexer
    var index: ChainIndex { indexer.index }
    let files: StaticFiles
    let metrics: MetricsExporter
    var network: Network { node.configuration.network }
    static let maximumPage = 100

    init(node: Node, indexer: ChainIndexer, files: StaticFiles, metrics: MetricsExporter) {
        self.node = node
        self.indexer = indexer
        self.files = files
        self.metrics = metrics
    }

    var router: Router {
        var router = Router()
        for name in StaticFiles.names {
            router.add(.GET, name == "index.html" ? "" : name) { [files] _, _ in try files.response(for: name) }
        }
        router.add(.GET, "metrics") { [self] _, _ in metrics.render(node: node, indexedHeight: indexedHeight) }
        router.add(.GET, "api/chain") { [self] _, _ in .json(chainSummary()) }
        router.add(.GET, "api/blocks") { [self] _, request in .json(try blockPage(request)) }
        router.add(.GET, "api/blocks/:id") { [self] parameters, _ in .json(try block(parameters[0])) }
        router.add(.GET, "api/transactions/:txid") { [self] parameters, _ in .json(try transaction(parameters[0])) }
        router.add(.POST, "api/transactions") { [self] _, request in .json(try submit(request)) }
        router.add(.GET, "api/addresses/:address") { [self] parameters, request in
            .json(try address(parameters[0], request))
        }
        router.add(.GET, "api/mempool") { [self] _, _ in .json(mempool()) }
        router.add(.GET, "api/peers") { [self] _, _ in .json(peers()) }
        router.add(.POST, "api/peers") { [self] _, request in .json(try addPeer(request), status: .accepted) }
        router.add(.DELETE, "api/peers/:address") { [self] parameters, _ in .json(try removePeer(parameters[0])) }
        router.add(.GET, "api/mining") { [self] _, _ in .json(mining()) }
        router.add(.POST, "api/mining") { [self] _, request in .json(try setMining(request)) }
        router.add(.GET, "api/search") { [self] _, request in .json(try search(request)) }
        return router
    }

    var indexedHeight: Int64 { (try? index.tip()).flatMap { $0.map { Int64($0.height) } } ?? -1 }

    // MARK: Chain and blocks

    func chainSummary() -> APIModel.ChainSummary {
        let summary = node.summary()
        let pace = node.sync { ChainPace(tip: $0.chain.tip, parameters: $0.chain.parameters) }
        return APIModel.ChainSummary(
            network: network.rawValue, height: summary.height, tipHash: "\(summary.tipHash)",
            chainWork: Hex.encode(summary.chainWork.bigEndianBytes), bestHeaderHeight: summary.bestHeaderHeight,
            syncing: summary.syncing, mempoolCount: summary.mempoolCount, mempoolBytes: summary.mempoolBytes,
            mining: summary.mining, hashRate: summary.hashRate, peerCount: node.network?.readyPeerCount ?? 0,
            uptime: summary.uptime, indexedHeight: indexedHeight, nextBits: String(format: "%08x", pace.nextBits),
            hashesPerBlock: pace.hashesPerBlock, recentBlocks: pace.blocks, meanSpacing: pace.meanSpacing,
            impliedHashRate: pace.impliedHashRate)
    }

    func blockPage(_ request: HTTPRequest) throws -> APIModel.BlockPage {
        let tip = node.sync { state in state.chain.height }
        let limit = try request.integer("limit", in: 1...Self.maximumPage) ?? 20
        let before = try request.integer("before", in: 1...Int(UInt32.max)).map { min(UInt32($0), tip + 1) } ?? tip + 1
        let heights = (UInt32(max(0, Int(before) - limit))..<before).reversed()
        let entries = node.sync { state in heights.compactMap { state.chain.index.activeEntry(at: $0) } }
        let blocks = try entries.map { summary(of: $0, block: try storedBlock($0.hash)) }
        let last = entries.last?.height ?? 0
        return APIModel.BlockPage(blocks: blocks, nextBefore: last > 0 ? last : nil)
    }

    func block(_ id: String) throws -> APIModel.Block {
        let entry: BlockIndexEntry
        if id.count < 64, let height = UInt32(id), id.allSatisfy(\.isNumber) {
            guard let found = node.sync({ state in state.chain.index.activeEntry(at: height) }) else {
                throw APIError.notFound(
                    "no block at height \(height): the tip is at \(node.sync { state in state.chain.height })")
            }
            entry = found
        } else {
            let hash = try parseHash(id, "block hash or height")
            guard let found = node.sync({ state in state.chain.index[hash] }) else {
                throw APIError.notFound("no block \(hash)")
            }
            entry = found
        }
        let (active, tipHeight, next) = node.sync { state in
            (
                state.chain.index.isActive(entry), state.chain.height,
                state.chain.index.activeEntry(at: entry.height + 1)?.hash
            )
        }
        let block = try storedBlock(entry.hash)
        let base = summary(of: entry, block: block)
        return APIModel.Block(
            hash: base.hash, height: base.height, time: base.time, transactionCount: base.transactionCount,
            size: base.size,
            previousHash: base.previousHash, nextHash: active ? next.map { "\($0)" } : nil,
            version: entry.header.version,
            merkleRoot: "\(entry.header.merkleRoot)", bits: String(format: "%08x", entry.header.bits),
            nonce: entry.header.nonce,
            confirmations: active ? tipHeight - entry.height + 1 : 0, active: active,
            transactions: (block?.transactions ?? []).map {
                APIModel.TransactionSummary(
                    txid: "\($0.txid)", size: $0.size, coinbase: $0.isCoinbase,
                    outputTotal: $0.outputs.reduce(0) { $0 + $1.amount })
            })
    }

    private func storedBlock(_ hash: Hash256) throws -> Block? {
        guard let data = try node.store.blockData(hash) else { return nil }
        return try Block(decoding: data)
    }

    private func summary(of entry: BlockIndexEntry, block: Block?) -> APIModel.BlockSummary {
        APIModel.BlockSummary(
            hash: "\(entry.hash)", height: entry.height, time: entry.header.time,
            transactionCount: block?.transactions.count ?? 0, size: block?.encoded.count ?? 0,
            previousHash: "\(entry.header.previousBlockHash)")
    }

    // MARK: Transactions

    func transaction(_ id: String) throws -> APIModel.Transaction {
        let txid = try parseHash(id, "txid")
        if let pooled = node.sync({ state in state.mempool.entries[txid] }) {
            return describe(pooled.tx, place: nil, fee: pooled.fee)
        }
        guard let location = try indexedLocation(of: txid) else {
            throw APIError.notFound(
                "no transaction \(txid) in the active chain (indexed to height \(indexedHeight)) or the mempool")
        }
        let (entry, tipHeight) = node.sync { state in
            (state.chain.index.activeEntry(at: location.height), state.chain.height)
        }
        guard let entry, let block = try storedBlock(entry.hash), location.position < block.transactions.count,
            block.transactions[location.position].txid == txid
        else {
            throw APIError.notFound("transaction \(txid) has just left the active chain")
        }
        return describe(block.transactions[location.position], place: (entry, tipHeight), fee: nil)
    }

    private func describe(
        _ tx: Transaction, place: (entry: BlockIndexEntry, tipHeight: UInt32)?, fee knownFee: UInt64?
    ) -> APIModel.Transaction {
        let inputs: [APIModel.Input] =
            tx.isCoinbase
            ? []
            : tx.inputs.map { input in
                let spent = spentOutput(input.outpoint)
                return APIModel.Input(
                    txid: "\(input.outpoint.txid)", index: input.outpoint.index,
                    address: spent.map { Address(network: network, hash: $0.address).description },
                    amount: spent?.amount)
            }
        let outputTotal = tx.outputs.reduce(0) { $0 + $1.amount }
        var fee = knownFee
        if fee == nil && !tx.isCoinbase && inputs.allSatisfy({ $0.amount != nil }) {
            fee = inputs.reduce(0) { $0 + ($1.amount ?? 0) } &- outputTotal
        }
        let outputs = tx.outputs.enumerated().map { index, output in
            APIModel.Output(
                index: index, address: Address(network: network, hash: output.address).description,
                amount: output.amount,
                spentBy: (try? self.index.output(OutPoint(txid: tx.txid, index: UInt32(index))))??.spentBy.map {
                    "\($0)"
                })
        }
        return APIModel.Transaction(
            txid: "\(tx.txid)", wtxid: "\(tx.wtxid)", size: tx.size, coinbase: tx.isCoinbase,
            blockHash: place.map { "\($0.entry.hash)" }, height: place?.entry.height, time: place?.entry.header.time,
            confirmations: place.map { $0.tipHeight - $0.entry.height + 1 } ?? 0, inMempool: place == nil,
            fee: tx.isCoinbase ? nil : fee, outputTotal: outputTotal, inputs: inputs, outputs: outputs)
    }

    /// Where the index has a transaction; a miss first brings the index to the tip, since a
    /// transaction mined a moment ago may be in a block the indexer has not reached yet.
    private func indexedLocation(of txid: Hash256) throws -> (height: UInt32, position: Int)? {
        if let location = try index.location(of: txid) { return location }
        indexer.catchUpNow()
        return try index.location(of: txid)
    }

    /// The output an input spends: from the index, else (for a chain of unconfirmed transactions)
    /// from its parent in the mempool.
    private func spentOutput(_ outpoint: OutPoint) -> TxOutput? {
        if let indexed = try? index.output(outpoint) {
            return TxOutput(amount: indexed.amount, address: indexed.address)
        }
        return node.sync { state in
            state.mempool.transaction(outpoint.txid).flatMap {
                Int(outpoint.index) < $0.outputs.count ? $0.outputs[Int(outpoint.index)] : nil
            }
        }
    }

    func submit(_ request: HTTPRequest) throws -> APIModel.Submitted {
        let raw: APIModel.RawTransaction = try request.decodeJSON()
        guard let bytes = Hex.decode(raw.hex.lowercased()), !bytes.isEmpty else {
            throw APIError.badRequest("'hex' is not an even number of hex digits")
        }
        let tx: Transaction
        do {
            tx = try Transaction(decoding: bytes)
        } catch {
            throw APIError.badRequest("'hex' is not a transaction: \(error)")
        }
        do {
            try node.submit(tx)
        } catch {
            throw APIError(status: .unprocessableEntity, message: "transaction \(tx.txid) not accepted: \(error)")
        }
        return APIModel.Submitted(txid: "\(tx.txid)")
    }

    // MARK: Addresses

    func address(_ text: String, _ request: HTTPRequest) throws -> APIModel.Address {
        let address: Address
        do {
            address = try Address(parsing: text, network: network)
        } catch {
            throw APIError.badRequest("'\(text)' is not a \(network.rawValue) address: \(error)")
        }
        let offset = try request.integer("offset", in: 0...Int(Int32.max)) ?? 0
        let limit = try request.integer("limit", in: 1...Self.maximumPage) ?? 25
        indexer.catchUpNow()
        let totals = try index.totals(of: address.hash)
        let history = try index.history(of: address.hash, offset: offset, limit: limit)
        return APIModel.Address(
            address: address.description, balance: totals.balance, received: totals.received, sent: totals.sent,
            transactionCount: totals.transactionCount, indexedHeight: indexedHeight,
            history: history.map { APIModel.AddressEntry(txid: "\($0.txid)", height: $0.height, change: $0.change) })
    }

    // MARK: Mempool, peers, mining

    func mempool() -> APIModel.Mempool {
        node.sync { state in
            let entries = state.mempool.entries.values.sorted { ($0.feeRate, $1.sequence) > ($1.feeRate, $0.sequence) }
            return APIModel.Mempool(
                count: state.mempool.count, bytes: state.mempool.totalBytes,
                transactions: entries.prefix(Self.maximumPage).map {
                    APIModel.MempoolEntry(txid: "\($0.tx.txid)", size: $0.tx.size, fee: $0.fee, feeRate: $0.feeRate)
                })
        }
    }

    func peers() -> APIModel.PeerList {
        APIModel.PeerList(
            peers: (node.network?.peerList() ?? []).map {
                APIModel.Peer(
                    address: $0.address, inbound: $0.inbound, userAgent: $0.userAgent, startHeight: $0.startHeight,
                    banScore: $0.banScore)
            })
    }

    func addPeer(_ request: HTTPRequest) throws -> APIModel.PeerTarget {
        let target: APIModel.PeerTarget = try request.decodeJSON()
        do { _ = try HostPort(parsing: target.address) } catch { throw APIError.badRequest("\(error)") }
        guard let network = node.network else {
            throw APIError(status: .conflict, message: "the node runs without a network")
        }
        guard network.addPersistentPeer(target.address) else {
            throw APIError.badRequest("'\(target.address)' is not host:port")
        }
        return target
    }

    func removePeer(_ target: String) throws -> APIModel.Disconnected {
        do { _ = try HostPort(parsing: target) } catch { throw APIError.badRequest("\(error)") }
        let closed = node.network?.disconnect(target) ?? 0
        guard closed > 0 else { throw APIError.notFound("no peer \(target)") }
        return APIModel.Disconnected(address: target, disconnected: closed)
    }

    func mining() -> APIModel.Mining {
        APIModel.Mining(
            mining: node.isMining, threads: node.miningThreads, hashRate: node.isMining ? node.hashRate() : 0)
    }

    func setMining(_ request: HTTPRequest) throws -> APIModel.Mining {
        let change: APIModel.MiningRequest = try request.decodeJSON()
        if let threads = change.threads, !(1...64).contains(threads) {
            throw APIError.badRequest("'threads' must be 1 to 64")
        }
        if let blocks = change.blocks, !(1...1_000).contains(blocks) {
            throw APIError.badRequest("'blocks' must be 1 to 1000")
        }
        if change.enabled {
            let threads = change.threads ?? max(1, node.miningThreads)
            // A count of blocks starts mining afresh, counting from now.
            if node.isMining && (node.miningThreads != threads || change.blocks != nil) { node.stopMining() }
            if !node.isMining { node.startMining(threads: threads, blocks: change.blocks) }
        } else {
            node.stopMining()
        }
        return mining()
    }

    // MARK: Search

    func search(_ request: HTTPRequest) throws -> APIModel.SearchResult {
        let query = (request.query["q"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !query.isEmpty, query.count <= 128 else {
            throw APIError.badRequest("'q' must be a height, hash, txid or address")
        }
        if query.count < 64, let height = UInt32(query), query.allSatisfy(\.isNumber) {
            guard let entry = node.sync({ state in state.chain.index.activeEntry(at: height) }) else {
                throw APIError.notFound("no block at height \(height)")
            }
            return APIModel.SearchResult(kind: "block", id: "\(entry.hash)")
        }
        if let hash = Hash256(hex: query.lowercased()) {
            if node.sync({ state in state.chain.index[hash] }) != nil {
                return APIModel.SearchResult(kind: "block", id: "\(hash)")
            }
            let known = try indexedLocation(of: hash) != nil
            if known || node.sync({ state in state.mempool.contains(hash) }) {
                return APIModel.SearchResult(kind: "transaction", id: "\(hash)")
            }
            throw APIError.notFound("no block or transaction \(hash)")
        }
        if let address = try? Address(parsing: query, network: network) {
            return APIModel.SearchResult(kind: "address", id: address.description)
        }
        throw APIError.badRequest(
            "'\(query)' is not a height, a 64-digit hash or txid, or a \(network.rawValue) address")
    }

    private func parseHash(_ text: String, _ what: String) throws -> Hash256 {
        guard text.count == 64, let hash = Hash256(hex: text.lowercased()) else {
            throw APIError.badRequest("'\(text.prefix(80))' is not a \(what) (64 hex digits)")
        }
        return hash
    }
}

extension HTTPRequest {
    /// An optional integer query parameter, which must lie in `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = query[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func decodeJSON<T: Decodable>() throws -> T {
        guard !body.isEmpty else { throw APIError.badRequest("a JSON body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch DecodingError.keyNotFound(let key, _) {
            throw APIError.badRequest("malformed JSON: '\(key.stringValue)' is missing")
        } catch DecodingError.typeMismatch(_, let context) {
            throw APIError.badRequest(
                "malformed JSON: '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw APIError.badRequest("malformed JSON")
        }
    }
}
