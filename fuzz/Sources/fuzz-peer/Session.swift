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
    /// Its header passes every header rule (no broken time, bits or proof of work).
    let validHeader: Bool
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
    /// The peer's end of the socket: it reads what the node writes, or holds it (a peer that does
    /// not read).
    let socket = PeerSocket()
    /// What the node must make of the bytes sent so far (the handshake, the end of the stream).
    var model = InboundModel()
    /// The messages that reached the peer during the current operation.
    var sent: [Message] = []
    /// The messages the node wrote during the current delivery (held or not), in order.
    var written: [Message] = []
    /// The penalties the node logged during the current delivery.
    var penalties: [LogRecorder.Penalty] = []
    /// The highest score logged, and the bans logged, during this input.
    var highestScore = 0
    var bans = 0
    /// The model's end of the stream was checked against what the node did; the penalties logged
    /// since the delivery that reached it.
    var endingChecked = false
    var penaltiesSinceEnding: [LogRecorder.Penalty] = []
    /// Blocks the node asked this peer for and did not get yet, in the order asked.
    var inFlight: [Hash256] = []
    /// Blocks the node must never ask this peer for again: it served another body for them, or
    /// said `notfound` (Protocol.md §13.8).
    var refused = Set<Hash256>()
    /// Headers of chains with less work than the tip the harness sent since the node last charged
    /// for them (Protocol.md §13.8: a protocol violation past 4,000).
    var lowWorkHeaders = 0
    /// Nonces of the `ping`s sent after the handshake while the peer did not read.
    var pingsWhileHolding: [UInt64] = []
    /// A second connection from the peer's address, made after the node disconnected it.
    var reconnection: EmbeddedChannel?
    /// The node sent `mempool`: it completed the handshake with us.
    var handshakeDone = false
    var lastWork: ChainWork
    /// The tip the network was last told of.
    var knownTip: Hash256

    var blocks: [BuiltBlock] = []
    var transactions: [(tx: Transaction, fee: UInt64)] = []
    var coins: [HarnessCoin] = []
    var serial: UInt64 = 0
    /// Index in `blocks` by hash.
    var builtIndex: [Hash256: Int] = [:]

    // Compact blocks (Protocol.md §13.10; `Session+Compact.swift`).

    /// The peer's last `sendcmpct` of compact version 1 as the node read it (nil: unknown, one came
    /// while the peer did not read).
    var peerCompact: CompactPreference? = CompactPreference(speaks: false, pushes: false)
    /// The node's last `sendcmpct` to the peer asked it to push new blocks (high bandwidth).
    var nodeAskedForPushes = false
    /// The node offered compact blocks (`sendcmpct`) before its handshake completed.
    var nodeOfferedCompact = false
    /// The peer sent a compact-block message or a `getdata` of type 4 (a version-1 peer that did may
    /// be answered in kind), or a `sendcmpct` of compact version 1 (it may be asked for compact blocks).
    var peerSpokeCompact = false
    var peerSentSendCompact = false
    /// `getdata` type 4 items of the peer not answered yet, by hash.
    var compactAsked: [Hash256: Int] = [:]
    /// Blocks the peer offered compactly (`cmpctblock`, `blocktxn`): the node may ask for them again,
    /// whole (a collision, a wrong merkle root), whatever it asked before.
    var compactOffered = Set<Hash256>()
    /// The node's last `getblocktxn`: the block it rebuilds from this peer's `cmpctblock`.
    var pendingRebuild: GetBlockTransactionsMessage?
    /// Blocks whose in-flight state the harness cannot tell (a compact message read while the peer
    /// did not read, or one after which the node neither took nor asked for the block): the checks
    /// that depend on whether the node asked for them are skipped.
    var uncertain = Set<Hash256>()
    /// Blocks in flight that the peer then sent compactly, taken out of `inFlight` until the node
    /// asks for them again.
    var flightAfterCompact = Set<Hash256>()
    /// The blocks the harness sent as `cmpctblock`, with what it expects of them (forgotten when
    /// another `cmpctblock` of the block comes), and the one being sent.
    var compactRecords: [Hash256: CompactRecord] = [:]
    var ownCompact: CompactBlockMessage?
    /// Every body the peer sent or the harness built, by block hash: what a push must rebuild to.
    var bodies: [Hash256: [Block]] = [:]
    /// A second peer that asked the node to push it new blocks, and whether it asks now.
    var watcher: EmbeddedChannel?
    var watcherPushes = false

    init(harness: Harness, input: [UInt8]) {
        self.harness = harness
        node = harness.node
        self.input = input
        var configuration = NetworkConfiguration(network: network)
        configuration.discovery = false
        // The embedded loop's clock does not move: work a peer's turn leaves for later must be due
        // at once, so that one `loop.run()` answers everything that was delivered.
        configuration.turnPause = 0
        configuration.requestRate = nil
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
        try! channel.pipeline.syncOperations.addHandler(socket, position: .first)
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
            let version = peerVersion(
                nonce: setup & 0x10 != 0 ? peerNetwork.nonce : peerNonce, startHeight: setup & 0x08 != 0 ? 0 : 1_000)
            deliver(codec.encode(.version(version)), label: "version (set-up)")
        }
        if handshake >= 2 { deliver(codec.encode(.verack), label: "verack (set-up)") }

        var operations = 0
        while operations < maximumOperations, channel.isActive, let op = byte() {
            operations += 1
            operate(op)
        }

        // A peer that stopped reading reads again, and what was held must come out.
        releaseSocket(label: "end of input")

        // Hang up: the peer must leave the network cleanly.
        let disconnectedByNode = !channel.isActive
        if channel.isActive {
            channel.close(promise: nil)
            loop.run()
            collectOutbound()
            precondition(!channel.isActive, "the channel did not close")
        }
        checkInvariants(after: "disconnecting")
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
        disconnectWatcher()
        if disconnectedByNode { reconnect() }
    }

    /// The `version` the peer sends.
    func peerVersion(
        nonce: UInt64, startHeight: Int32, protocolVersion: Int32 = ProtocolVersion.current
    ) -> VersionMessage {
        VersionMessage(
            protocolVersion: protocolVersion, services: .network, timestamp: 1_795_392_000, receiverServices: .network,
            receiverAddress: NetworkAddress(ipv4: [10, 0, 0, 1], port: 18733), senderServices: .network,
            senderAddress: NetworkAddress(ipv4: [10, 0, 0, 2], port: 18444),
            nonce: nonce, userAgent: "/fuzz-peer/", startHeight: startHeight, relay: true)
    }

    /// The node closed the connection: the peer's address connects again, and is refused exactly
    /// when the node banned it (a penalty reached 100 with banning on). A wrong magic before the
    /// handshake, for one, is no ban (Protocol.md §13.9).
    mutating func reconnect() {
        let banning = (input.first ?? 0) & 0x04 == 0
        let expectBan = banning && highestScore >= BanScore.threshold
        precondition(
            (bans > 0) == expectBan,
            "the node logged \(bans) ban(s); highest score \(highestScore), banning \(banning ? "on" : "off")")
        let second = EmbeddedChannel(loop: loop)
        reconnection = second
        try! peerNetwork.adopt(second)
        second.remoteAddress = peerAddress
        second.connect(to: peerAddress, promise: nil)
        loop.run()
        var bytes: [UInt8] = []
        while let buffer = try! second.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        let greeted = PeerSocket.decode(bytes).contains { if case .version = $0 { true } else { false } }
        debug("   reconnected: \(second.isActive ? "open" : "closed"), version \(greeted ? "sent" : "not sent")")
        if expectBan {
            precondition(!second.isActive && !greeted, "a banned address connected again")
        } else {
            precondition(
                second.isActive && greeted,
                "the address was refused after a disconnection without a ban (highest score \(highestScore))")
            second.close(promise: nil)
            loop.run()
        }
        _ = try? second.finish(acceptAlreadyClosed: true)
        loop.run()
    }

    /// Kinds of operation: `op % operationKinds`. Kinds 0–25 are those of the first corpus (an op
    /// byte below 26 means the same whatever the modulus); 26–31 came with issue #13; 31 reads a
    /// second byte, so that more can be added without changing the modulus again.
    static let operationKinds = 32

    mutating func operate(_ op: UInt8) {
        let kind = Int(op) % Session.operationKinds
        switch kind {
        case 0..<18:
            let command = MessageCodec.knownCommands[kind]
            let payload = lengthPrefixed()
            sendFrame(command: command, payload: payload)
        case 18:
            let command = ["", "sendheaders", "feefilter", "zzzzzzzzzzzz"][Int(op) / Session.operationKinds % 4]
            sendFrame(command: command, payload: lengthPrefixed())
        case 19:
            let raw = lengthPrefixed()
            deliver(raw, label: "raw \(raw.count) bytes")
        case 20: buildBlock()
        case 21: sendBuiltBlocks()
        case 22: buildTransaction()
        case 23, 24: inventory(getData: kind == 24)
        case 25: locatorRequest()
        case 26: burst()
        case 27: toggleReading()
        case 28: forkChain()
        case 29: serveRequestedBlock()
        case 30: handshakeOrMagic()
        default: extendedOperation()
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

    @discardableResult
    mutating func send(_ message: Message, label: String? = nil) -> Bool {
        deliver(codec.encode(message), label: label ?? message.command, expecting: message)
    }

    // MARK: Delivering and checking

    /// Writes bytes as the peer, runs the loop until it is idle, reads what the node sent and checks
    /// the invariants. `expecting`: the one message these bytes are, if they are exactly one.
    /// Returns whether the bytes were delivered (the connection was open).
    @discardableResult
    mutating func deliver(_ bytes: [UInt8], label: String, expecting message: Message? = nil) -> Bool {
        guard channel.isActive else { return false }
        debug("-> \(label)")
        LogRecorder.shared.reset()
        let wasReady = handshakeDone
        // Bytes that continue a frame begun earlier are not the message they look like.
        let message = model.atFrameBoundary ? message : nil
        let received = model.feed(bytes, ownNonce: peerNetwork.nonce)
        do {
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        } catch {
            debug("   writeInbound: \(error)")
        }
        loop.run()
        settle(label: label, received: received)
        if wasReady, socket.holding, case .ping(let ping)? = message { pingsWhileHolding.append(ping.nonce) }
        if wasReady, channel.isActive, !socket.holding, let message { checkAnswer(to: message, label: label) }
        checkInvariants(after: label)
        return true
    }

    /// The node is past the handshake, reads, and takes the next message sent as it is (no frame
    /// begun before it): what an operation expects of it can be checked.
    var nodeTakesNextMessage: Bool {
        model.ready && model.atFrameBoundary && !socket.holding && channel.isActive
    }

    /// After the loop ran: what the node wrote and logged, checked against what the peer sent
    /// (`received`, as the model read it).
    mutating func settle(label: String, received: [InboundModel.Received]) {
        noteCompact(received)
        collectOutbound()
        resolveFlightAfterCompact()
        announceNewTip()
        let log = LogRecorder.shared.recorded
        penalties = log.penalties
        bans += log.bans
        if model.ending != nil { penaltiesSinceEnding += log.penalties }
        for penalty in log.penalties {
            highestScore = max(highestScore, penalty.score)
            if penalty.score >= BanScore.threshold {
                precondition(
                    !channel.isActive,
                    "\(label): a peer with a misbehaviour score of \(penalty.score) is still connected")
            }
        }
        var refusals: [Hash256] = []
        for item in received where item.ready {
            switch item.message {
            case .block(let block):
                inFlight.removeAll { $0 == block.hash }
            case .notFound(let message):
                let blocks = message.inventory.filter { $0.type == .block || $0.type == .compactBlock }.map(\.hash)
                inFlight.removeAll { blocks.contains($0) }
                refusals += blocks
            default:
                break
            }
        }
        if socket.holding {
            checkOutputBudget(label: label)
        } else {
            // The node read everything: what the peer sent has been acted on.
            refused.formUnion(refusals)
            checkEnding(label: label)
            if channel.isActive && model.ending == nil {
                precondition(
                    model.ready == handshakeDone,
                    "\(label): the peer's handshake is \(model.ready ? "" : "not ")complete, the node's is\(handshakeDone ? "" : " not")"
                )
            }
        }
    }

    /// While the peer does not read: once its output budget is spent (1 MiB of bytes plus 1,024
    /// per write), the node reads none of its messages and starts no new answer and no new
    /// `getdata` run. What it still writes is what was under way: the rest of one run (at most 1,000
    /// transactions, or 8 blocks), one answer of the queue, the answers of the messages decoded in
    /// the turn that spent it. Apart from the run's transactions that is far below 256 KiB here (a
    /// `headers` answer is at most 162 KB; the harness's blocks and messages are small).
    func checkOutputBudget(label: String) {
        guard socket.spentAt != nil else { return }
        precondition(
            socket.transactionsAfterSpent <= 1_000,
            "\(label): \(socket.transactionsAfterSpent) transactions written after the output budget was spent")
        precondition(
            socket.otherCostAfterSpent <= Session.budgetSlack,
            "\(label): \(socket.otherCostAfterSpent) bytes (with 1,024 a write) written after the output budget was spent, \(socket.heldCost) held in all"
        )
    }

    static let budgetSlack = 256 << 10

    /// Once the node has read everything: if the model's stream ended, the node did what that end
    /// requires; if it did not, the node closed the connection only for a score of 100.
    mutating func checkEnding(label: String) {
        guard let ending = model.ending else {
            precondition(
                channel.isActive || highestScore >= BanScore.threshold,
                "\(label): the node closed the connection for no reason (highest score \(highestScore))")
            return
        }
        guard !endingChecked else { return }
        endingChecked = true
        precondition(!channel.isActive, "\(label): still connected after \(ending)")
        switch ending {
        case .malformed:
            precondition(
                penaltiesSinceEnding.contains { $0.score >= BanScore.threshold },
                "\(label): \(ending) cost the peer less than \(BanScore.threshold) points: \(penaltiesSinceEnding.map(\.line))"
            )
        case .wrongMagicBeforeHandshake:
            precondition(
                !penaltiesSinceEnding.contains { $0.line.contains("wrong magic") },
                "\(label): a wrong magic before the handshake was charged: \(penaltiesSinceEnding.map(\.line))")
        case .closed:
            break
        }
    }

    /// The peer reads again: what the node held for it goes out, and what waited is read; every
    /// `ping` sent after the handshake while the peer did not read must then be answered.
    mutating func releaseSocket(label: String) {
        guard socket.holding else { return }
        debug(
            "-> (the peer reads again: \(socket.heldCount) writes of \(socket.heldBytes) bytes held, cost \(socket.heldCost)\(socket.spentAt.map { ", budget spent at \($0)" } ?? ""))"
        )
        LogRecorder.shared.reset()
        socket.release()
        loop.run()
        settle(label: "\(label) (the peer reads again)", received: [])
        let pings = pingsWhileHolding
        pingsWhileHolding = []
        if channel.isActive, model.ending == nil {
            let pongs = Set(sent.compactMap { if case .pong(let pong) = $0 { pong.nonce } else { nil } })
            let unanswered = pings.filter { !pongs.contains($0) }
            precondition(
                unanswered.isEmpty,
                "\(label): \(unanswered.count) ping(s) sent while the peer did not read never answered")
        }
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
        let before = (sent, written)
        collectOutbound()
        sent = before.0 + sent
        written = before.1 + written
    }

    /// Takes what the node wrote since the last call (each write decoded by `socket` when it was
    /// made) and what reached the peer. A `getdata` must not ask for a block this peer refused.
    mutating func collectOutbound() {
        while try! channel.readOutbound(as: ByteBuffer.self) != nil {}
        sent = socket.takeDelivered()
        written = socket.takeWritten()
        for message in written {
            debug("<- \(message.command)\(socket.holding ? " (held)" : "")")
            checkCompactOutbound(message)
            switch message {
            case .mempool:
                if !handshakeDone, (model.protocolVersion ?? 0) >= ProtocolVersion.compactBlocks {
                    precondition(
                        nodeOfferedCompact,
                        "the handshake with a version-2 peer completed without a sendcmpct")
                }
                handshakeDone = true
            case .getData(let request):
                // Type 4 is a block too (Protocol.md §13.10): asked once, never of a peer that refused it
                // — unless the peer offered it compactly since (the full block after a collision).
                for item in request.inventory where item.type == .block || item.type == .compactBlock {
                    if !compactOffered.contains(item.hash) {
                        precondition(
                            !refused.contains(item.hash),
                            "the node asked again for block \(item.hash), which this peer served with another body or said it lacks"
                        )
                        precondition(!inFlight.contains(item.hash), "the node asked twice for block \(item.hash)")
                    }
                    if !inFlight.contains(item.hash) { inFlight.append(item.hash) }
                }
            default:
                break
            }
        }
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
        checkWatcher(after: label)
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
        remember(BuiltBlock(block: block, height: height, validHeader: ![6, 7, 8, 12].contains(corruption)))
        if corruption != 10 {
            coins.append(HarnessCoin(outpoint: OutPoint(txid: all[0].txid, index: 0), amount: reward))
        }
        guard contents & 0x80 == 0 else { return }
        sendBlock(block, label: "block at \(height) (corruption \(corruption), \(all.count) txs)")
    }

    mutating func remember(_ built: BuiltBlock) {
        builtIndex[built.block.hash] = blocks.count
        blocks.append(built)
        noteBody(built.block)
    }

    mutating func sendBuiltBlocks() {
        let selector = parameter()
        guard !blocks.isEmpty else { return }
        if selector & 0x80 != 0 {
            let built = blocks[Int(selector & 0x7F) % blocks.count]
            sendBlock(built.block, label: "block at \(built.height) (again)")
        } else {
            let last = blocks.suffix(Int(selector % 4) + 1)
            sendHeaders(last.map(\.block.header), valid: last.allSatisfy(\.validHeader), label: "headers \(last.count)")
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
