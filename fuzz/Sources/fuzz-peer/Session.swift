import Foundation
import Logging
import NIOCore
import NIOEmbedded
import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
@_spi(Fuzzing) import TallyNet
import TallyNode
import TallyWire

// MARK: One input

/// A block the harness built in this input.
struct BuiltBlock {
    let block: Block
    let height: UInt32
}

/// A coin the harness made in this input (all pay `fuzzKey`).
struct HarnessCoin {
    let outpoint: OutPoint
    let amount: UInt64
}

struct Session {
    let harness: Harness
    let node: Node
    let input: [UInt8]
    var position = 0

    let loop = EmbeddedEventLoop()
    let peerNetwork: PeerNetwork
    let channel: EmbeddedChannel
    /// Bytes the node sent and not yet decoded.
    var outbound: [UInt8] = []
    /// The messages the node sent during the current operation.
    var sent: [Message] = []
    /// The node sent `mempool`: it completed the handshake with us.
    var handshakeDone = false
    var lastWork: ChainWork
    /// The tip the network was last told of.
    var knownTip: Hash256

    var blocks: [BuiltBlock] = []
    var transactions: [(tx: Transaction, fee: UInt64)] = []
    var coins: [HarnessCoin] = []
    var serial: UInt64 = 0

    init(harness: Harness, input: [UInt8]) {
        self.harness = harness
        node = harness.node
        self.input = input
        var configuration = NetworkConfiguration(network: network)
        configuration.discovery = false
        // The embedded loop's clock does not move: work a peer's turn leaves for later must be due
        // at once, so that one `loop.run()` answers everything that was delivered.
        configuration.turnPause = 0
        // Dialling addresses learnt from `addr` needs a real event loop (ClientBootstrap); the seam
        // has no hook for it, so the node makes no outbound connections of its own here.
        configuration.targetOutbound = 0
        configuration.banning = (input.first ?? 0) & 0x04 == 0
        peerNetwork = PeerNetwork(
            configuration: configuration, services: harness.node, logger: harness.logger,
            loop: loop, offLoop: { $0() })
        channel = EmbeddedChannel(loop: loop)
        lastWork = harness.genesisWork
        knownTip = harness.initialTip
    }

    // MARK: Reading the input

    mutating func byte() -> UInt8? {
        guard position < input.count else { return nil }
        defer { position += 1 }
        return input[position]
    }

    mutating func parameter() -> UInt8 { byte() ?? 0 }

    mutating func bytes(_ count: Int) -> [UInt8] {
        let n = min(count, input.count - position)
        defer { position += n }
        return Array(input[position..<(position + n)])
    }

    mutating func lengthPrefixed() -> [UInt8] {
        let length = Int(parameter()) | Int(parameter()) << 8
        return bytes(length)
    }

    // MARK: Running

    mutating func run() {
        LogRecorder.shared.reset()
        try! peerNetwork.adopt(channel)
        channel.remoteAddress = peerAddress
        channel.connect(to: peerAddress, promise: nil)
        loop.run()
        collectOutbound()
        precondition(channel.isActive, "the channel did not become active")
        precondition(
            sent.contains { if case .version = $0 { true } else { false } },
            "the node did not send its version on connecting")
        checkInvariants(after: "connecting")

        let setup = byte() ?? 0
        let handshake = setup & 3
        if handshake >= 1 {
            let version = VersionMessage(
                services: .network, timestamp: 1_795_392_000, receiverServices: .network,
                receiverAddress: NetworkAddress(ipv4: [10, 0, 0, 1], port: 18733), senderServices: .network,
                senderAddress: NetworkAddress(ipv4: [10, 0, 0, 2], port: 18444),
                nonce: setup & 0x10 != 0 ? peerNetwork.nonce : peerNonce, userAgent: "/fuzz-peer/",
                startHeight: setup & 0x08 != 0 ? 0 : 1_000, relay: true)
            deliver(codec.encode(.version(version)), label: "version (set-up)")
        }
        if handshake >= 2 { deliver(codec.encode(.verack), label: "verack (set-up)") }

        var operations = 0
        while operations < maximumOperations, channel.isActive, let op = byte() {
            operations += 1
            operate(op)
        }

        // Hang up: the peer must leave the network cleanly.
        if channel.isActive {
            channel.close(promise: nil)
            loop.run()
            collectOutbound()
            precondition(!channel.isActive, "the channel did not close")
        }
        checkInvariants(after: "disconnecting")
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
    }

    mutating func operate(_ op: UInt8) {
        let kind = Int(op) % 26
        switch kind {
        case 0..<18:
            let command = MessageCodec.knownCommands[kind]
            let payload = lengthPrefixed()
            sendFrame(command: command, payload: payload)
        case 18:
            let command = ["", "sendheaders", "feefilter", "zzzzzzzzzzzz"][Int(op) / 26 % 4]
            sendFrame(command: command, payload: lengthPrefixed())
        case 19:
            let raw = lengthPrefixed()
            deliver(raw, label: "raw \(raw.count) bytes")
        case 20: buildBlock()
        case 21: sendBuiltBlocks()
        case 22: buildTransaction()
        case 23, 24: inventory(getData: kind == 24)
        default: locatorRequest()
        }
    }

    /// A frame with a correct envelope around any payload of a command's limit (or the global one).
    mutating func sendFrame(command: String, payload: [UInt8]) {
        let header = MessageHeader(network: network, command: command, payload: payload)
        let decoded = try? MessageCodec.decodePayload(command: command, payload: payload)
        deliver(
            header.encoded + payload, label: "\(command.isEmpty ? "\"\"" : command) \(payload.count) bytes",
            expecting: decoded)
    }

    mutating func send(_ message: Message, label: String? = nil) {
        deliver(codec.encode(message), label: label ?? message.command, expecting: message)
    }

    // MARK: Delivering and checking

    /// Writes bytes as the peer, runs the loop until it is idle, reads what the node sent and checks
    /// the invariants. `expecting`: the one message these bytes are, if they are exactly one.
    mutating func deliver(_ bytes: [UInt8], label: String, expecting message: Message? = nil) {
        guard channel.isActive else { return }
        debug("-> \(label)")
        LogRecorder.shared.reset()
        let wasReady = handshakeDone
        do {
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        } catch {
            debug("   writeInbound: \(error)")
        }
        loop.run()
        collectOutbound()
        announceNewTip()
        let penalties = LogRecorder.shared.highest
        if penalties.score >= BanScore.threshold {
            precondition(
                !channel.isActive, "\(label): a peer with a misbehaviour score of \(penalties.score) is still connected"
            )
        }
        if wasReady, channel.isActive, let message { checkAnswer(to: message, label: label) }
        checkInvariants(after: label)
    }

    /// What `Node` does when its tip moves, through `Node.network`: that is set only by
    /// `startNetwork`, which makes a network of its own, so here the harness tells the fuzzed network
    /// (new headers to the peer, the network's cached summary refreshed).
    mutating func announceNewTip() {
        let connected: [Block] = node.sync { state in
            let chain = state.chain
            guard chain.tip.hash != knownTip, let old = chain.index[knownTip] else { return [] }
            let fork = chain.index.fork(old, chain.tip)
            guard fork.height < chain.tip.height else { return [] }
            return ((fork.height + 1)...chain.tip.height).compactMap {
                try? chain.block(chain.index.activeEntry(at: $0)!.hash)
            }
        }
        knownTip = node.sync { state in state.chain.tip.hash }
        guard !connected.isEmpty else { return }
        debug("   new tip: announcing \(connected.count) block(s)")
        peerNetwork.announceBlocks(connected)
        loop.run()
        let before = sent
        collectOutbound()
        sent = before + sent
    }

    /// Reads every frame the node wrote; each must decode.
    mutating func collectOutbound() {
        sent.removeAll()
        while let buffer = try! channel.readOutbound(as: ByteBuffer.self) {
            outbound += buffer.readableBytesView
        }
        var offset = 0
        while true {
            let frame: (message: Message, byteCount: Int)?
            do {
                frame = try codec.decodeFrame(outbound, at: offset)
            } catch {
                preconditionFailure("the node sent a frame that does not decode: \(error)")
            }
            guard let frame else { break }
            offset += frame.byteCount
            debug("<- \(frame.message.command)")
            if case .mempool = frame.message { handshakeDone = true }
            sent.append(frame.message)
        }
        outbound.removeFirst(offset)
    }

    func checkAnswer(to message: Message, label: String) {
        switch message {
        case .ping(let ping):
            precondition(
                sent.contains { if case .pong(let pong) = $0 { pong.nonce == ping.nonce } else { false } },
                "\(label): no pong for a ping after the handshake")
        case .getStatus:
            let summary = node.summary()
            precondition(
                sent.contains {
                    if case .status(let status) = $0 {
                        status.height == summary.height && status.tipHash == summary.tipHash
                    } else {
                        false
                    }
                }, "\(label): no status, or one that is not the node's, for a getstatus")
        case .mempool:
            precondition(
                sent.contains { if case .inv = $0 { true } else { false } }, "\(label): no inv for a mempool request")
        default:
            break
        }
    }

    mutating func checkInvariants(after label: String) {
        let first = node.summary()
        let second = node.summary()
        precondition(
            first.height == second.height && first.tipHash == second.tipHash && first.chainWork == second.chainWork
                && first.bestHeaderHeight == second.bestHeaderHeight && first.syncing == second.syncing
                && first.mempoolCount == second.mempoolCount && first.mempoolBytes == second.mempoolBytes
                && first.mining == second.mining,
            "\(label): two summaries in a row differ: \(first) / \(second)")
        precondition(
            first.height <= first.bestHeaderHeight,
            "\(label): tip height \(first.height) above best header \(first.bestHeaderHeight)")
        precondition(!(first.chainWork < harness.genesisWork), "\(label): tip work below the genesis's")
        precondition(
            !(first.chainWork < lastWork), "\(label): tip work went down from \(lastWork) to \(first.chainWork)")
        precondition(!first.mining, "\(label): the node is mining")
        lastWork = first.chainWork

        node.sync { state in
            let chain = state.chain
            let mempool = state.mempool
            precondition(
                chain.tip.hash == first.tipHash && chain.height == first.height,
                "\(label): summary is not the chain's tip")
            if let best = chain.index.bestHeader {
                precondition(
                    !(best.chainWork < chain.tip.chainWork), "\(label): best header has less work than the tip")
                precondition(
                    best.height == first.bestHeaderHeight, "\(label): summary's best header height is not the index's")
            }
            precondition(
                first.mempoolCount == mempool.count && first.mempoolBytes == mempool.totalBytes,
                "\(label): summary's mempool is not the mempool")

            var spent = Set<OutPoint>()
            var bytes = 0
            for (txid, entry) in mempool.entries {
                let tx = entry.tx
                precondition(tx.txid == txid, "\(label): mempool entry under another txid")
                precondition(!tx.isCoinbase, "\(label): a coinbase in the mempool")
                bytes += tx.size
                for input in tx.inputs {
                    precondition(
                        spent.insert(input.outpoint).inserted, "\(label): two mempool inputs spend \(input.outpoint)")
                    precondition(
                        mempool.spender(of: input.outpoint) == txid,
                        "\(label): spender(of: \(input.outpoint)) is not \(txid)")
                    if let parent = mempool.entries[input.outpoint.txid] {
                        precondition(
                            parent.tx.txid != txid && Int(input.outpoint.index) < parent.tx.outputs.count,
                            "\(label): \(txid) spends a mempool output that does not exist: \(input.outpoint)")
                        precondition(
                            entry.parents.contains(parent.tx.txid), "\(label): \(txid) does not list its mempool parent"
                        )
                    } else {
                        let coin = try? chain.coin(input.outpoint)
                        precondition(
                            coin != nil,
                            "\(label): mempool transaction \(txid) spends \(input.outpoint), which is neither unspent nor in the mempool"
                        )
                    }
                }
                let confirmed = try? chain.coin(OutPoint(txid: txid, index: 0))
                precondition(confirmed == nil, "\(label): mempool transaction \(txid) is also confirmed")
            }
            precondition(
                bytes == mempool.totalBytes, "\(label): mempool totalBytes \(mempool.totalBytes), entries \(bytes)")
        }
    }

    // MARK: Blocks

    /// (hash, height, time) of a parent: a built block or an active chain block below the tip.
    mutating func parent(_ selector: UInt8) -> (hash: Hash256, height: UInt32, time: UInt32) {
        if selector < 0x80, !blocks.isEmpty {
            let built = blocks[Int(selector) % blocks.count]
            return (built.block.hash, built.height, built.block.header.time)
        }
        return node.sync { state in
            let tip = state.chain.tip
            let depth = min(UInt32(selector & 0x7F), tip.height)
            let entry = state.chain.index.activeEntry(at: tip.height - depth)!
            return (entry.hash, entry.height, entry.header.time)
        }
    }

    mutating func buildBlock() {
        let parent = parent(parameter())
        let contents = parameter()
        let corruption = Int(parameter()) % 14
        serial += 1
        let height = parent.height + 1
        let included = Array(transactions.suffix(Int(contents & 3)))
        let fees = included.reduce(0) { $0 + $1.fee }
        var reward = Subsidy.amount(height: height, parameters: parameters) + fees
        if corruption == 4 { reward += 1 }
        let coinbase = Transaction.coinbase(
            CoinbaseData(
                height: corruption == 11 ? height + 1 : height, extraNonce: serial, tag: Array("fuzz-peer".utf8)),
            outputs: [TxOutput(amount: reward, address: fuzzAddress)])
        var all = [coinbase] + included.map(\.tx)
        switch corruption {
        case 9: all.append(all[all.count - 1])
        case 10: all.removeFirst()
        case 13:
            all.insert(
                Transaction.coinbase(
                    CoinbaseData(height: height, extraNonce: serial + 1_000_000),
                    outputs: [TxOutput(amount: 1_000, address: fuzzAddress)]), at: 1)
        default: break
        }
        var time = parent.time + 1
        if corruption == 6 { time = parent.time &- 100 }
        if corruption == 7 { time = UInt32(Date().timeIntervalSince1970) + 10_000 }
        var header = BlockHeader(
            version: 1, previousBlockHash: parent.hash,
            merkleRoot: corruption == 5 ? .zero : MerkleTree.root(all.map(\.wtxid)),
            time: time, bits: corruption == 8 ? 0x207f_fffe : parameters.powLimitBits, nonce: 0)
        // Regtest's target is met by about half of all hashes: a few tries find a nonce (or, for
        // corruption 12, one that misses it).
        while ProofOfWork.isSolved(header) == (corruption == 12) { header.nonce &+= 1 }
        let block = Block(header: header, transactions: all)
        blocks.append(BuiltBlock(block: block, height: height))
        if corruption != 10 {
            coins.append(HarnessCoin(outpoint: OutPoint(txid: all[0].txid, index: 0), amount: reward))
        }
        guard contents & 0x80 == 0 else { return }
        send(.block(block), label: "block at \(height) (corruption \(corruption), \(all.count) txs)")
    }

    mutating func sendBuiltBlocks() {
        let selector = parameter()
        guard !blocks.isEmpty else { return }
        if selector & 0x80 != 0 {
            let built = blocks[Int(selector & 0x7F) % blocks.count]
            send(.block(built.block), label: "block at \(built.height) (again)")
        } else {
            let headers = blocks.suffix(Int(selector % 4) + 1).map(\.block.header)
            send(.headers(HeadersMessage(headers: headers)), label: "headers \(headers.count)")
        }
    }

    // MARK: Transactions

    func initialCoinbase(_ index: Int) -> HarnessCoin {
        let tx = harness.coinbases[index % Int(spendableCoinbases)]
        return HarnessCoin(outpoint: OutPoint(txid: tx.txid, index: 0), amount: tx.outputs[0].amount)
    }

    mutating func buildTransaction() {
        let choice = parameter()
        let flags = parameter()
        let fee = UInt64(parameter()) * 500
        serial += 1
        var spending: [HarnessCoin]
        if choice >= 0x80, !coins.isEmpty {
            spending = [coins[Int(choice & 0x7F) % coins.count]]
        } else {
            spending = [initialCoinbase(Int(choice))]
        }
        if flags & 0x04 != 0 { spending.append(initialCoinbase(Int(choice) + 1)) }
        if flags & 0x10 != 0 { spending.append(spending[0]) }
        let total = spending.reduce(0) { $0 + $1.amount }
        var value = total - min(fee, total)
        if flags & 0x20 != 0 { value = total + 1 }
        let count = Int(flags & 3) + 1
        var outputs = (0..<count).map { i in
            TxOutput(amount: value / UInt64(count) + (i == count - 1 ? value % UInt64(count) : 0), address: fuzzAddress)
        }
        if flags & 0x40 != 0 { outputs[0].amount = 1 }
        let unsigned = Transaction(
            version: flags & 0x80 != 0 ? 2 : 1,
            inputs: spending.map { TxInput(outpoint: $0.outpoint, publicKey: fuzzKey.publicKey) },
            outputs: outputs)
        var tx = unsigned.signed(with: spending.map { _ in fuzzKey }, parameters: parameters)
        if flags & 0x08 != 0 {
            var inputs = tx.inputs
            inputs[0].signature[Int(serial % 64)] ^= 0x01
            tx = Transaction(version: tx.version, inputs: inputs, outputs: tx.outputs)
        }
        transactions.append((tx, total >= value ? total - value : 0))
        for (i, output) in outputs.enumerated() {
            coins.append(HarnessCoin(outpoint: OutPoint(txid: tx.txid, index: UInt32(i)), amount: output.amount))
        }
        send(.tx(tx), label: "tx \(tx.txid) flags \(String(flags, radix: 16)) fee \(fee)")
    }

    // MARK: Inventory

    mutating func inventory(getData: Bool) {
        let selector = parameter()
        let count = Int(parameter()) % (getData ? 8 : 4) + 1
        let index = Int(selector & 0x7F)
        var items: [InventoryVector] = []
        if selector & 0x80 != 0 {
            if !blocks.isEmpty {
                items = (0..<count).map { .block(blocks[(index + $0) % blocks.count].block.hash) }
            } else {
                items = node.sync { state in
                    let height = state.chain.height
                    return (0..<count).map {
                        .block(state.chain.index.activeEntry(at: UInt32(index + $0) % (height + 1))!.hash)
                    }
                }
            }
        } else if !transactions.isEmpty {
            items = (0..<count).map { .transaction(transactions[(index + $0) % transactions.count].tx.txid) }
        } else {
            items = (0..<count).map { .transaction(initialCoinbase(index + $0).outpoint.txid) }
        }
        if getData {
            send(.getData(GetDataMessage(inventory: items)))
        } else {
            send(.inv(InvMessage(inventory: items)))
        }
    }

    mutating func locatorRequest() {
        let selector = parameter()
        let stopSelector = parameter()
        let (locator, stop): (Hash256, Hash256) = node.sync { state in
            let height = state.chain.height
            let locator = state.chain.index.activeEntry(at: UInt32(selector & 0x7F) % (height + 1))!.hash
            let stop =
                stopSelector == 0
                ? Hash256.zero : state.chain.index.activeEntry(at: UInt32(stopSelector) % (height + 1))!.hash
            return (locator, stop)
        }
        if selector & 0x80 != 0 {
            send(.getBlocks(GetBlocksMessage(locator: [locator], hashStop: stop)))
        } else {
            send(.getHeaders(GetHeadersMessage(locator: [locator], hashStop: stop)))
        }
    }
}
