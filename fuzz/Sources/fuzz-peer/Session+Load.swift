import Foundation
import NIOCore
import TallyChain
import TallyCrypto
import TallyMining
@_spi(Fuzzing) import TallyNet
import TallyWire

// The operations of issue #13 (hostile load), kinds 26–31, and the sending of headers and blocks
// with what the node must make of them (Protocol.md §13.8, §13.9).

extension Session {
    // MARK: Headers and blocks, with what they cost

    /// Sends headers as the peer. When the node is past the handshake and reads, and the headers
    /// are a linked run of valid headers at the regtest limit whose parent the node knows (and has
    /// not condemned) and whose last header it does not know: a chain with less work than the tip
    /// is not stored (the index and the best header stay as they were) and is counted, a protocol
    /// violation once the peer has sent more than 4,000 such headers; a chain with at least the
    /// tip's work is stored whole.
    mutating func sendHeaders(_ headers: [BlockHeader], valid: Bool, label: String) {
        guard let first = headers.first, let last = headers.last else { return }
        let checking = nodeTakesNextMessage
        let linked = zip(headers.dropFirst(), headers).allSatisfy { $0.previousBlockHash == $1.hash }
        let regular =
            valid && linked
            && headers.allSatisfy { $0.bits == parameters.powLimitBits && ProofOfWork.isSolved($0) }
        let blockWork = harness.blockWork
        let before = node.sync { state -> (entries: Int, best: Hash256?, lowWork: Bool?, new: Int) in
            let index = state.chain.index
            var lowWork: Bool?
            if regular, let parent = index[first.previousBlockHash], !index.status(of: parent).isInvalid,
                index[last.hash] == nil
            {
                var work = parent.chainWork
                for _ in headers { work = work + blockWork }
                lowWork = work < state.chain.tip.chainWork
            }
            return (
                index.entries.count, index.bestHeader?.hash, lowWork, headers.filter { index[$0.hash] == nil }.count
            )
        }
        send(.headers(HeadersMessage(headers: headers)), label: label)
        guard checking, let lowWork = before.lowWork else { return }
        let after = node.sync { state in (state.chain.index.entries.count, state.chain.index.bestHeader?.hash) }
        if lowWork {
            precondition(
                after.0 == before.entries && after.1 == before.best,
                "\(label): headers of a chain with less work than the tip were stored (\(before.entries) -> \(after.0) entries)"
            )
            lowWorkHeaders += headers.count
            let charged = penalties.contains { $0.line.contains("less work than ours") }
            if lowWorkHeaders > peerNetwork.configuration.lowWorkHeaderAllowance {
                precondition(
                    charged && penalties.contains { $0.line.contains("protocol violation") },
                    "\(label): \(lowWorkHeaders) headers of chains with less work than the tip, not charged")
            }
            if charged { lowWorkHeaders = 0 }
        } else {
            precondition(
                after.0 == before.entries + before.new,
                "\(label): \(before.new) new headers of a chain with at least the tip's work, \(after.0 - before.entries) stored"
            )
        }
    }

    /// Sends a block as the peer. When the node is past the handshake and reads: a block it asked
    /// this peer for, served with a body its header does not commit to (R7), costs a protocol
    /// violation (50), is not condemned, and is never asked of this peer again (`refused`); such a
    /// body pushed unasked costs nothing of the kind; a block not asked for, at the regtest limit
    /// with its proof of work, whose chain has less work than the tip (or cannot be placed) is
    /// dropped unprocessed — nothing stored — and costs a nuisance, unless the node has it already:
    /// a duplicate costs nothing (Protocol.md §13.8, a late answer to a request given up on).
    mutating func sendBlock(_ block: Block, label: String) {
        let hash = block.hash
        let requested = inFlight.contains(hash)
        let wrongBody = block.computedMerkleRoot != block.header.merkleRoot
        let checking = nodeTakesNextMessage
        let regular = block.header.bits == parameters.powLimitBits && ProofOfWork.isSolved(block.header)
        let blockWork = harness.blockWork
        let before = node.sync { state -> (entries: Int, lowWork: Bool, duplicate: Bool) in
            let chain = state.chain
            var lowWork = false
            var duplicate = false
            if regular {
                if let known = chain.index[hash] {
                    duplicate = chain.index.status(of: known) == .haveData
                    lowWork = !duplicate && known.chainWork < chain.tip.chainWork
                } else if let parent = chain.index[block.header.previousBlockHash] {
                    lowWork = parent.chainWork + blockWork < chain.tip.chainWork
                } else {
                    lowWork = true  // it cannot be placed, let alone win
                }
            }
            return (chain.index.entries.count, lowWork, duplicate)
        }
        // Not sent (the connection closed): nothing to check.
        guard send(.block(block), label: label) else { return }
        // A block the peer offered compactly may be in flight or not, as the node read it.
        guard checking, !uncertain.contains(hash) else { return }
        let chargedForBody = penalties.filter { $0.line.contains("served with another body") }
        if requested && wrongBody {
            precondition(
                chargedForBody.contains { $0.line.contains("protocol violation") && $0.score >= 50 },
                "\(label): a block asked for and served with another body was not a protocol violation: \(penalties.map(\.line))"
            )
            refused.insert(hash)
            let condemned = node.sync { state in
                state.chain.index[hash].map { state.chain.index.status(of: $0).isInvalid } ?? false
            }
            precondition(!condemned, "\(label): a block served with another body was condemned")
        } else {
            precondition(
                chargedForBody.isEmpty,
                "\(label): charged for serving another body (\(requested ? "asked for" : "not asked for"), body \(wrongBody ? "wrong" : "right"))"
            )
        }
        if !requested && before.lowWork {
            let entries = node.sync { state in state.chain.index.entries.count }
            precondition(
                entries == before.entries, "\(label): a block not asked for, on a chain with less work, was stored")
            precondition(
                penalties.contains { $0.line.contains("nuisance") && $0.line.contains("not asked for") },
                "\(label): a block not asked for, on a chain with less work, was not a nuisance: \(penalties.map(\.line))"
            )
        }
        if !requested && before.duplicate {
            precondition(
                penalties.isEmpty, "\(label): a block the node has, sent again, was charged: \(penalties.map(\.line))")
        }
    }

    /// A block with only a coinbase on `parent`, at the regtest limit, kept with the harness's
    /// blocks (its coinbase with the harness's coins).
    mutating func makeBlock(on parent: (hash: Hash256, height: UInt32, time: UInt32)) -> Block {
        serial += 1
        let height = parent.height + 1
        let reward = Subsidy.amount(height: height, parameters: parameters)
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: height, extraNonce: serial, tag: Array("fuzz-peer".utf8)),
            outputs: [TxOutput(amount: reward, address: fuzzAddress)])
        var header = BlockHeader(
            version: 1, previousBlockHash: parent.hash, merkleRoot: MerkleTree.root([coinbase.wtxid]),
            time: parent.time + 1, bits: parameters.powLimitBits, nonce: 0)
        while !ProofOfWork.isSolved(header) { header.nonce &+= 1 }
        let block = Block(header: header, transactions: [coinbase])
        remember(BuiltBlock(block: block, height: height, validHeader: true))
        coins.append(HarnessCoin(outpoint: OutPoint(txid: coinbase.txid, index: 0), amount: reward))
        return block
    }

    // MARK: 26: a burst of requests from a peer that may not read

    /// What answers one request of a burst.
    enum Answer {
        case pong(UInt64)
        /// `headers` starting after the locator.
        case headers(after: Hash256)
        /// `inv` of block hashes starting at this one.
        case blockHashes(from: Hash256)
        case addresses
        case mempool
        case block(Hash256)
        case status
    }

    static let burstKinds = [
        "ping", "getheaders", "getblocks", "getaddr", "mempool", "getdata (blocks)", "getdata (transactions)",
        "getstatus",
    ]

    /// Operation 26, parameters `k n s`: `n + 1` requests of kind `k % 8` (`burstKinds`; 4 times as
    /// many if `k & 0x80`, except `getheaders` and `getblocks`, whose answers are large) in one
    /// write (1,024 small answers spend the 1 MiB budget: a `pong` costs 32 + 1,024). Unless `k & 0x40`, the
    /// peer reads nothing meanwhile, so the node's output budget fills: once it is spent the node
    /// must read no further message (a `ping` sent then is not answered while the peer does not
    /// read) and write no more than what was under way (`checkOutputBudget`). Then the peer reads
    /// again, and every request must have been answered, in order. `getheaders` and `getblocks`
    /// use locators on the active chain from height `s`, `getdata (blocks)` asks one active block
    /// a message from height `s`; `getdata (transactions)` is one message asking the harness's
    /// transactions (or the initial coinbases' txids, which no mempool holds) `n + 1` times over,
    /// cycling from `s`: the node serves runs of up to 1,000 of them.
    mutating func burst() {
        let kindByte = parameter()
        let countByte = parameter()
        let start = Int(parameter())
        let kind = Int(kindByte) % Session.burstKinds.count
        let count = (Int(countByte) + 1) * (kindByte & 0x80 != 0 && kind != 1 && kind != 2 ? 4 : 1)
        let clog = kindByte & 0x40 == 0
        serial += 1
        let active: [Hash256] = node.sync { state in
            (0...state.chain.height).map { state.chain.index.activeEntry(at: $0)!.hash }
        }
        let tipHeight = active.count - 1
        var requests: [Message] = []
        var expected: [Answer] = []
        var transactionItems: [(txid: Hash256, inMempool: Bool)] = []
        switch kind {
        case 0:
            for i in 0..<count {
                let nonce = 0xB0B5_0000_0000_0000 | serial << 20 | UInt64(i)
                requests.append(.ping(PingMessage(nonce: nonce)))
                expected.append(.pong(nonce))
            }
        case 1, 2:
            for i in 0..<count {
                let height = (start + i) % tipHeight
                if kind == 1 {
                    requests.append(.getHeaders(GetHeadersMessage(locator: [active[height]])))
                    expected.append(.headers(after: active[height]))
                } else {
                    requests.append(.getBlocks(GetBlocksMessage(locator: [active[height]], hashStop: .zero)))
                    expected.append(.blockHashes(from: active[height + 1]))
                }
            }
        case 3:
            requests = Array(repeating: .getAddr, count: count)
            expected = Array(repeating: .addresses, count: count)
        case 4:
            requests = Array(repeating: .mempool, count: count)
            expected = Array(repeating: .mempool, count: count)
        case 5:
            for i in 0..<count {
                let hash = active[(start + i) % (tipHeight + 1)]
                requests.append(.getData(GetDataMessage(inventory: [.block(hash)])))
                expected.append(.block(hash))
            }
        case 6:
            let txids =
                transactions.isEmpty
                ? (0..<Int(spendableCoinbases)).map { initialCoinbase($0).outpoint.txid } : transactions.map(\.tx.txid)
            let items = (0..<count).map { txids[(start + $0) % txids.count] }
            transactionItems = node.sync { state in items.map { ($0, state.mempool.entries[$0] != nil) } }
            requests = [.getData(GetDataMessage(inventory: items.map(InventoryVector.transaction)))]
        default:
            requests = Array(repeating: .getStatus, count: count)
            expected = Array(repeating: .status, count: count)
        }

        // The burst starts with a peer that reads (what an earlier operation left held goes out).
        releaseSocket(label: "before a burst")
        let ready = handshakeDone && nodeTakesNextMessage
        if clog { socket.hold(limit: peerNetwork.configuration.outputBudget) }
        var answers: [Message] = []
        let label = "burst of \(requests.count) \(Session.burstKinds[kind])\(clog ? ", not reading" : "")"
        guard deliver(requests.flatMap { codec.encode($0) }, label: label) else { return }
        answers += sent

        // Spent: the node must not read the next message while the peer does not read.
        var probe: UInt64?
        if socket.holding, socket.spentAt != nil, channel.isActive, ready {
            let nonce = 0xB0B5_FFFF_0000_0000 | serial
            let held = socket.heldCount
            send(.ping(PingMessage(nonce: nonce)), label: "ping while the output budget is spent")
            answers += sent
            precondition(
                !channel.isActive || socket.heldCount == held,
                "the node read a message while the peer's output budget was spent (\(socket.heldCost) held)")
            probe = nonce
        }
        if socket.holding {
            releaseSocket(label: label)
            answers += sent
        }
        guard ready, channel.isActive, model.ending == nil else { return }
        checkBurstAnswers(answers, expected: expected, transactionItems: transactionItems, probe: probe, label: label)
    }

    /// Every request of the burst answered, in the order asked.
    func checkBurstAnswers(
        _ answers: [Message], expected: [Answer], transactionItems: [(txid: Hash256, inMempool: Bool)], probe: UInt64?,
        label: String
    ) {
        if let probe {
            precondition(
                answers.contains { if case .pong(let pong) = $0 { pong.nonce == probe } else { false } },
                "\(label): the ping sent while the budget was spent was never answered")
        }
        if case .pong = expected.first {
            let nonces = Set(expected.compactMap { if case .pong(let nonce) = $0 { nonce } else { nil } })
            let pongs = answers.compactMap {
                if case .pong(let pong) = $0, nonces.contains(pong.nonce) { pong.nonce } else { nil }
            }
            let wanted = expected.compactMap { if case .pong(let nonce) = $0 { nonce } else { nil } }
            precondition(pongs == wanted, "\(label): \(pongs.count) pongs of \(wanted.count), or out of order")
            return
        }
        if !transactionItems.isEmpty {
            let asked = Set(transactionItems.map(\.txid))
            let served = answers.compactMap {
                if case .tx(let tx) = $0, asked.contains(tx.txid) { tx.txid } else { nil }
            }
            let missing = answers.reduce(0) {
                if case .notFound(let message) = $1 {
                    $0 + message.inventory.filter { asked.contains($0.hash) }.count
                } else {
                    $0
                }
            }
            let found = transactionItems.filter(\.inMempool).map(\.txid)
            precondition(
                served == found && missing == transactionItems.count - found.count,
                "\(label): \(served.count) transactions served and \(missing) not found, of \(found.count) and \(transactionItems.count - found.count)"
            )
            return
        }
        // The answers in the order of the requests (other messages may come between).
        var next = 0
        for answer in answers where next < expected.count {
            let matches: Bool =
                switch (expected[next], answer) {
                case (.headers(let locator), .headers(let message)): message.headers.first?.previousBlockHash == locator
                case (.blockHashes(let first), .inv(let message)): message.inventory.first?.hash == first
                case (.addresses, .addr), (.mempool, .inv), (.status, .status): true
                case (.block(let hash), .block(let block)): block.hash == hash
                default: false
                }
            if matches { next += 1 }
        }
        precondition(next == expected.count, "\(label): \(next) of \(expected.count) requests answered in order")
    }

    // MARK: 27: the peer stops or starts reading

    /// Operation 27, no parameter: the peer stops reading (the node's writes are held; its output
    /// budget fills) or reads again. While it does not read, `checkOutputBudget` holds after every
    /// operation; when it reads again, every `ping` sent meanwhile after the handshake must be
    /// answered (`releaseSocket`).
    mutating func toggleReading() {
        if socket.holding {
            releaseSocket(label: "the peer reads again")
        } else {
            debug("-> (the peer stops reading)")
            socket.hold(limit: peerNetwork.configuration.outputBudget)
        }
    }

    // MARK: 28: a chain beside the active one, by its headers

    /// Operation 28, parameters `d n f`: builds `n % 128 + 1` blocks, each with a coinbase only, on
    /// the active chain's block `d % (height + 1)` below the tip (or, if `f & 1`, on the last block
    /// the harness built), and sends their headers in one `headers` message (unless `f & 2`: built
    /// only, for `21` and `29`). A fork from below the tip that is not longer than the active chain
    /// has less work than the tip: not stored (`sendHeaders`); a longer one is stored, and the node
    /// asks this peer for its blocks (if its start height reaches them).
    mutating func forkChain() {
        let depth = parameter()
        let count = Int(parameter()) % 128 + 1
        let flags = parameter()
        var parent: (hash: Hash256, height: UInt32, time: UInt32)
        if flags & 1 != 0, let last = blocks.last {
            parent = (last.block.hash, last.height, last.block.header.time)
        } else {
            parent = node.sync { state in
                let tip = state.chain.tip
                let entry = state.chain.index.activeEntry(at: tip.height - UInt32(depth) % (tip.height + 1))!
                return (entry.hash, entry.height, entry.header.time)
            }
        }
        let forkHeight = parent.height
        var headers: [BlockHeader] = []
        for _ in 0..<count {
            let block = makeBlock(on: parent)
            headers.append(block.header)
            parent = (block.hash, parent.height + 1, block.header.time)
        }
        guard flags & 2 == 0 else { return }
        sendHeaders(headers, valid: true, label: "headers of \(count) blocks on height \(forkHeight)")
    }

    // MARK: 29: serving a block the node asked for

    /// Operation 29, parameters `p m`: a block the node asked this peer for (the `p`-th of those in
    /// flight that the harness built; any block it built if none), sent as it is (`m % 4 == 0`),
    /// with another coinbase (1), or with its last transaction left out or the coinbase twice (2)
    /// — a body its header does not commit to (R7) — or answered `notfound` (3; all the blocks in
    /// flight if `m & 4`). `sendBlock` checks the cost; a block refused either way must never be
    /// asked of this peer again (`collectOutbound`).
    mutating func serveRequestedBlock() {
        let selector = Int(parameter())
        let mode = parameter()
        let asked = inFlight.filter { builtIndex[$0] != nil }
        let built: BuiltBlock
        if !asked.isEmpty {
            built = blocks[builtIndex[asked[selector % asked.count]]!]
        } else if !blocks.isEmpty {
            built = blocks[selector % blocks.count]
        } else {
            return
        }
        let block = built.block
        switch mode % 4 {
        case 0:
            sendBlock(block, label: "block at \(built.height)\(asked.isEmpty ? "" : " as asked")")
        case 1:
            serial += 1
            var transactions = block.transactions
            transactions[0] = Transaction.coinbase(
                CoinbaseData(height: built.height, extraNonce: serial + 2_000_000, tag: Array("other".utf8)),
                outputs: block.transactions[0].outputs)
            sendBlock(
                Block(header: block.header, transactions: transactions),
                label: "block at \(built.height) with another coinbase")
        case 2:
            var transactions = block.transactions
            if transactions.count > 1 {
                transactions.removeLast()
            } else {
                transactions.append(transactions[0])
            }
            sendBlock(
                Block(header: block.header, transactions: transactions),
                label: "block at \(built.height) with \(transactions.count) of \(block.transactions.count) transactions"
            )
        default:
            let items = mode & 4 != 0 && !inFlight.isEmpty ? inFlight.map(InventoryVector.block) : [.block(block.hash)]
            send(.notFound(NotFoundMessage(inventory: items)), label: "notfound for \(items.count) block(s)")
        }
    }

    // MARK: 30: the handshake's order, and another network's bytes

    /// Operation 30, parameters `v r`. `v & 0x80` clear: `verack` before `version` and the like
    /// (`v & 3`: verack; verack, version; version; verack, version, verack), then a message longer
    /// than 400 bytes (`v >> 3 & 3`: an unknown command of `401 + r` bytes, an `inv` of
    /// `12 + r % 16` entries, or an unknown command of exactly 400 or 401 bytes), each in its own
    /// write or all in one (`v & 4`). Until the peer's `verack` has followed its `version` a payload
    /// over 400 bytes is malformed: disconnected with 100 points. `v & 0x80` set: bytes of another
    /// network or protocol (`v & 3`: a `ping` of the main network, an HTTP request, a frame with the
    /// magic `r r^0x55 r+1 0xA5`, a TLS ClientHello): before the handshake a plain disconnection,
    /// no penalty and no ban; after it a malformed message. (`InboundModel` tells which; `settle`
    /// and `reconnect` check it.)
    mutating func handshakeOrMagic() {
        let variant = parameter()
        let size = Int(parameter())
        if variant & 0x80 != 0 {
            var bytes: [UInt8]
            let label: String
            switch variant & 3 {
            case 0:
                bytes = MessageCodec(network: .main).encode(.ping(PingMessage(nonce: 0x6D61_696E)))
                label = "a ping of the main network"
            case 1:
                bytes = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1:18444\r\nAccept: */*\r\n\r\n".utf8)
                label = "an HTTP request"
            case 2:
                bytes = codec.encode(.ping(PingMessage(nonce: 1)))
                let magic: [UInt8] = [UInt8(size), UInt8(size) ^ 0x55, UInt8(truncatingIfNeeded: size + 1), 0xA5]
                bytes.replaceSubrange(0..<4, with: magic == network.magic ? magic.map { ~$0 } : magic)
                label = "a ping with the magic \(magic)"
            default:
                bytes = [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03]
                bytes += [UInt8](repeating: UInt8(size), count: 32)
                label = "a TLS ClientHello"
            }
            deliver(bytes, label: label)
            return
        }
        let version = codec.encode(.version(peerVersion(nonce: peerNonce, startHeight: 1_000)))
        let verack = codec.encode(.verack)
        var steps: [(bytes: [UInt8], label: String)]
        switch variant & 3 {
        case 0: steps = [(verack, "verack")]
        case 1: steps = [(verack, "verack"), (version, "version")]
        case 2: steps = [(version, "version")]
        default: steps = [(verack, "verack"), (version, "version"), (verack, "verack")]
        }
        switch variant >> 3 & 3 {
        case 0:
            let payload = [UInt8](repeating: UInt8(size), count: 401 + size)
            steps.append((frame(command: "zzzzzzzzzzzz", payload: payload), "unknown command, \(payload.count) bytes"))
        case 1:
            serial += 1
            let items = (0..<(12 + size % 16)).map {
                InventoryVector.transaction(Hash256(w0: serial, w1: UInt64($0), w2: 0x6F75_7473_6964_6521, w3: 0))
            }
            steps.append((codec.encode(.inv(InvMessage(inventory: items))), "inv of \(items.count)"))
        case 2:
            steps.append(
                (frame(command: "zzzzzzzzzzzz", payload: [UInt8](repeating: 0, count: 400)), "unknown, 400 bytes"))
        default:
            steps.append(
                (frame(command: "zzzzzzzzzzzz", payload: [UInt8](repeating: 0, count: 401)), "unknown, 401 bytes"))
        }
        if variant & 4 != 0 {
            deliver(steps.flatMap(\.bytes), label: steps.map(\.label).joined(separator: ", "))
        } else {
            for step in steps { deliver(step.bytes, label: step.label) }
        }
    }

    /// A frame with a correct envelope.
    func frame(command: String, payload: [UInt8]) -> [UInt8] {
        MessageHeader(network: network, command: command, payload: payload).encoded + payload
    }

    // MARK: 31: further operations, by a second byte

    /// Operation 31: the next byte `e` picks one, so that more can be added here. Below `0xC0`,
    /// `e % 2` (as when these were the only two): 0, orphan transactions keyed by wtxid; 1, `headers`
    /// that do not connect. From `0xC0` up, the compact-block operations of issue #14,
    /// `(e & 0x3F) % 9` (`Session+Compact.swift`).
    mutating func extendedOperation() {
        let choice = parameter()
        if choice >= Session.compactOperations {
            return compactOperation(Int(choice & 0x3F) % Session.compactKinds.count)
        }
        switch choice % 2 {
        case 0: orphansByWtxid(choice)
        default: unconnectedHeaders()
        }
    }

    /// Parameter `c`: a parent spending the initial chain's coinbase `c % 12`, a child spending it,
    /// and a copy of the child with a broken signature (the same txid, another wtxid). The child and
    /// its copy are sent first (the copy first unless `e & 2`), both orphans, then the parent.
    /// Orphans are held by wtxid (Protocol.md §13.8): the copy cannot take the honest child's place,
    /// so once the parent is in the mempool the honest child is too.
    mutating func orphansByWtxid(_ choice: UInt8) {
        let coin = initialCoinbase(Int(parameter()))
        serial += 1
        let fee: UInt64 = 10_000
        let parent = Transaction(
            inputs: [TxInput(outpoint: coin.outpoint, publicKey: fuzzKey.publicKey)],
            outputs: [TxOutput(amount: coin.amount - fee - serial, address: fuzzAddress)]
        )
        .signed(with: [fuzzKey], parameters: parameters)
        let child = Transaction(
            inputs: [TxInput(outpoint: OutPoint(txid: parent.txid, index: 0), publicKey: fuzzKey.publicKey)],
            outputs: [TxOutput(amount: parent.outputs[0].amount - fee, address: fuzzAddress)]
        )
        .signed(with: [fuzzKey], parameters: parameters)
        var inputs = child.inputs
        inputs[0].signature[Int(serial % 64)] ^= 0x01
        let forged = Transaction(version: child.version, inputs: inputs, outputs: child.outputs)
        precondition(forged.txid == child.txid && forged.wtxid != child.wtxid, "a signature changed the txid")
        // Checked only when the parent can enter the mempool and the orphans fit this peer's share.
        let eligible =
            nodeTakesNextMessage
            && node.sync { state in
                (try? state.chain.coin(coin.outpoint)) != nil && state.mempool.spender(of: coin.outpoint) == nil
                    && state.mempool.orphanCount <= 20 && state.mempool.entries[child.txid] == nil
            }
        let orphans = choice & 2 != 0 ? [child, forged] : [forged, child]
        for tx in orphans {
            send(
                .tx(tx),
                label: "orphan \(tx.txid) wtxid \(tx.wtxid)\(tx.wtxid == forged.wtxid ? " (broken signature)" : "")")
        }
        send(.tx(parent), label: "parent \(parent.txid)")
        transactions.append((parent, fee + serial))
        transactions.append((child, fee))
        coins.append(HarnessCoin(outpoint: OutPoint(txid: child.txid, index: 0), amount: child.outputs[0].amount))
        guard eligible, channel.isActive else { return }
        node.sync { state in
            guard state.mempool.entries[parent.txid] != nil else { return }
            precondition(
                state.mempool.entries[child.txid]?.tx.wtxid == child.wtxid,
                "the honest orphan \(child.txid) is not in the mempool with its parent (its copy with a broken signature took its place?)"
            )
        }
    }

    /// Parameter `n`: `n % 12 + 1` `headers` messages, one header each, on parents nobody knows.
    /// Each must be answered by a `getheaders` or charged a nuisance, never both, and once charged
    /// no longer answered (nothing in between is progress); when no `headers` came before in this
    /// input, exactly the first 8 are answered (Protocol.md §13.8).
    mutating func unconnectedHeaders() {
        let count = Int(parameter()) % 12 + 1
        // A `cmpctblock` carries a header too: one that does not connect counts as such `headers` do.
        let fresh = model.headersMessages == 0 && model.compactBlockMessages == 0
        let checking = nodeTakesNextMessage
        var answered: [Bool] = []
        for i in 0..<count {
            serial += 1
            var header = BlockHeader(
                version: 1, previousBlockHash: Hash256(w0: serial, w1: 0x756E_6B6E_6F77_6E21, w2: UInt64(i), w3: 1),
                merkleRoot: .zero, time: parameters.genesis.header.time + initialHeight + UInt32(i),
                bits: parameters.powLimitBits,
                nonce: 0)
            while !ProofOfWork.isSolved(header) { header.nonce &+= 1 }
            guard send(.headers(HeadersMessage(headers: [header])), label: "headers that do not connect"), checking
            else { return }
            let askedForHeaders = written.contains { if case .getHeaders = $0 { true } else { false } }
            let charged = penalties.contains { $0.line.contains("nuisance") && $0.line.contains("do not connect") }
            precondition(
                askedForHeaders != charged,
                "headers that do not connect (\(answered.count + 1) in a row): \(askedForHeaders ? "answered" : "not answered") and \(charged ? "charged" : "not charged")"
            )
            answered.append(askedForHeaders)
            if !channel.isActive { break }
        }
        guard checking else { return }
        if let charged = answered.firstIndex(of: false) {
            precondition(
                !answered[charged...].contains(true), "headers that do not connect answered again after a charge")
        }
        if fresh {
            let allowance = BlockSync.unconnectedHeadersAllowance
            precondition(
                answered.prefix(allowance).allSatisfy { $0 } && !answered.dropFirst(allowance).contains(true),
                "unconnected headers answered: \(answered) (the first \(allowance) should be, no more)")
        }
    }
}
