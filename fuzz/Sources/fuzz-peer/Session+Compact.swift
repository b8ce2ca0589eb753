import Foundation
import NIOCore
import NIOEmbedded
import TallyChain
import TallyCrypto
import TallyMining
@_spi(Fuzzing) import TallyNet
import TallyNode
import TallyWire

// The peer speaks compact blocks (issue #14, Protocol.md §13.10, BIP 152 on wtxids): operation 31
// with a second byte from 0xC0 up, and the invariants of what the node sends back.

/// What a peer's last `sendcmpct` of compact version 1 said.
struct CompactPreference {
    let speaks: Bool
    let pushes: Bool
}

/// A block the harness sent as `cmpctblock`, with what it must come to once rebuilt.
struct CompactRecord {
    let block: Block
    /// Valid on its parent: its transactions spend a mature coin unspent in the chain when it was
    /// sent, and its coinbase claims what it may.
    let valid: Bool
    /// Valid but for its coinbase, which claims one unit too many: invalid once rebuilt.
    let overpays: Bool
    /// The node had asked this peer to push new blocks, and not asked it for this one: if the block
    /// is invalid it is not the peer's fault (BIP 152, pushed before validation).
    let pushed: Bool
}

extension Session {
    /// A second byte of operation 31 from here up is a compact-block operation.
    static let compactOperations: UInt8 = 0xC0

    static let compactKinds = [
        "sendcmpct", "a block from elsewhere", "cmpctblock", "blocktxn", "getdata type 4", "getblocktxn",
        "a compact command with any payload", "a version of another protocol", "a second peer asking for pushes",
    ]

    static let watcherAddress = try! SocketAddress(ipAddress: "10.0.0.3", port: 18444)
    static let watcherNonce: UInt64 = 0x5EED_F00D_0000_0003

    mutating func compactOperation(_ kind: Int) {
        switch kind {
        case 0: sendCompactPreference()
        case 1: blockFromElsewhere()
        case 2: sendCompactBlock()
        case 3: sendBlockTransactions()
        case 4: getCompactBlocks()
        case 5: getBlockTransactions()
        case 6:
            let command = InboundModel.compactCommands[Int(parameter()) % 4]
            sendFrame(command: command, payload: lengthPrefixed())
        case 7: versionOfProtocol()
        default: connectWatcher()
        }
    }

    // MARK: What the node sends, and what the peer said

    /// The compact-block messages the peer sent, as the node will read them: its `sendcmpct`, the
    /// blocks it asks as `cmpctblock`, the blocks it offered compactly (a block the node had asked
    /// for is then no longer in flight, unless the node asks for it again or cannot have taken it).
    mutating func noteCompact(_ received: [InboundModel.Received]) {
        for item in received {
            switch item.message {
            case .sendCompact(let message):
                peerSpokeCompact = peerSpokeCompact || message.version == SendCompactMessage.currentVersion
                peerSentSendCompact = peerSentSendCompact || message.version == SendCompactMessage.currentVersion
            case .compactBlock, .getBlockTransactions, .blockTransactions:
                peerSpokeCompact = true
            case .getData(let request) where request.inventory.contains { $0.type == .compactBlock }:
                peerSpokeCompact = true
            case .block(let block):
                noteBody(block)
            default:
                break
            }
            guard item.ready else { continue }
            switch item.message {
            case .sendCompact(let message):
                if socket.holding {
                    peerCompact = nil
                } else if message.version == SendCompactMessage.currentVersion {
                    peerCompact = CompactPreference(speaks: true, pushes: message.announce)
                }
            case .getData(let request):
                for entry in request.inventory where entry.type == .compactBlock {
                    compactAsked[entry.hash, default: 0] += 1
                }
            case .compactBlock(let message):
                let hash = message.header.hash
                compactOffered.insert(hash)
                // Another cmpctblock than the harness's for this block: what it rebuilds to is unknown.
                let own = ownCompact.map {
                    $0.nonce == message.nonce && $0.shortIDs == message.shortIDs
                        && $0.prefilledTransactions == message.prefilledTransactions
                }
                if own != true { compactRecords[hash] = nil }
                // Ignored while the node rebuilds the same block from this peer.
                if hash != pendingRebuild?.blockHash { leaveFlight(hash) }
            case .blockTransactions(let message):
                compactOffered.insert(message.blockHash)
                if message.blockHash == pendingRebuild?.blockHash {
                    pendingRebuild = nil
                    leaveFlight(message.blockHash)
                }
            default:
                break
            }
        }
    }

    private mutating func leaveFlight(_ hash: Hash256) {
        if socket.holding { uncertain.insert(hash) }
        guard inFlight.contains(hash) else { return }
        inFlight.removeAll { $0 == hash }
        flightAfterCompact.insert(hash)
    }

    /// A block in flight that the peer then offered compactly: the node took it (or found it
    /// invalid), or asked for it again (`getblocktxn`, `getdata`). Otherwise the harness cannot tell
    /// whether the node still waits for it.
    mutating func resolveFlightAfterCompact() {
        guard !flightAfterCompact.isEmpty else { return }
        let pending = flightAfterCompact.filter { !inFlight.contains($0) }
        flightAfterCompact = []
        let settled: Set<Hash256> = node.sync { state in
            let index = state.chain.index
            return pending.filter { hash in
                guard let entry = index[hash] else { return false }
                let status = index.status(of: entry)
                return status == .haveData || status.isInvalid
            }
        }
        uncertain.formUnion(pending.subtracting(settled))
    }

    mutating func noteBody(_ block: Block) {
        var known = bodies[block.hash, default: []]
        guard known.count < 4, !known.contains(block) else { return }
        known.append(block)
        bodies[block.hash] = known
    }

    /// Checks one message the node wrote to the peer. Compact-block messages and type-4 items go only
    /// to a peer speaking version 2 (or one that spoke them itself); a version-2 peer is offered
    /// compact blocks (`sendcmpct`; announce 1 here, where the peer is the node's first outbound peer,
    /// Protocol.md §13.10) before the node's handshake completes; a `cmpctblock`
    /// goes unasked only to a peer whose last `sendcmpct` (version 1) asked for pushes; type 4 is
    /// asked only of a peer that sent `sendcmpct` of version 1; `getblocktxn` only for a block the peer
    /// sent as `cmpctblock`.
    mutating func checkCompactOutbound(_ message: Message) {
        let version2 = (model.protocolVersion ?? 0) >= ProtocolVersion.compactBlocks
        let compact: Bool =
            switch message {
            case .sendCompact, .compactBlock, .getBlockTransactions, .blockTransactions: true
            case .getData(let request): request.inventory.contains { $0.type == .compactBlock }
            default: false
            }
        if compact {
            precondition(
                version2 || peerSpokeCompact,
                "the node sent \(message.command) to a peer speaking protocol version \(model.protocolVersion.map(String.init) ?? "none")"
            )
        }
        switch message {
        case .sendCompact(let offer):
            precondition(
                offer.version == SendCompactMessage.currentVersion, "the node offered compact version \(offer.version)")
            if !handshakeDone { nodeOfferedCompact = true }
            nodeAskedForPushes = offer.announce
        case .compactBlock(let block):
            let hash = block.header.hash
            if let asked = compactAsked[hash], asked > 0 {
                compactAsked[hash] = asked - 1
            } else {
                precondition(
                    peerCompact?.pushes != false,
                    "the node pushed a cmpctblock (\(hash)) to a peer that did not ask for pushes")
            }
        case .getBlockTransactions(let request):
            precondition(
                compactOffered.contains(request.blockHash),
                "getblocktxn for \(request.blockHash), which the peer never sent as cmpctblock")
            pendingRebuild = request
            if !inFlight.contains(request.blockHash) { inFlight.append(request.blockHash) }
        case .getData(let request) where request.inventory.contains { $0.type == .compactBlock }:
            precondition(
                peerSentSendCompact, "the node asked for a cmpctblock a peer that never sent sendcmpct version 1")
        default:
            break
        }
    }

    /// The `cmpctblock` carries `block`'s header, prefills its coinbase, and its short ids and
    /// prefilled transactions rebuild exactly `block` from the block's own transactions.
    func checkRebuilds(_ message: CompactBlockMessage, to block: Block, label: String) {
        precondition(message.header == block.header, "\(label): a cmpctblock with another header")
        precondition(
            message.prefilledTransactions.first?.index == 0, "\(label): a cmpctblock without its coinbase prefilled")
        precondition(
            message.transactionCount == block.transactions.count,
            "\(label): a cmpctblock of \(message.transactionCount) transactions for a block of \(block.transactions.count)"
        )
        var reconstruction: BlockReconstruction
        do {
            reconstruction = try BlockReconstruction(message)
        } catch {
            // Two equal short ids: only a block holding a transaction twice can have them.
            precondition(
                Set(block.transactions.map(\.wtxid)).count < block.transactions.count,
                "\(label): a cmpctblock with two equal short ids")
            return
        }
        reconstruction.fill(from: block.transactions)
        let rebuilt = try? reconstruction.block
        precondition(
            rebuilt?.transactions.map(\.wtxid) == block.transactions.map(\.wtxid),
            "\(label): a cmpctblock that does not rebuild to its block")
    }

    // MARK: The second peer

    /// Kind 8, no parameter: a second peer (10.0.0.3, start height 0, so never asked for blocks)
    /// connects, completes its handshake and sends `sendcmpct` announce 1: from then on the node
    /// pushes it new blocks, and every `cmpctblock` it gets is checked (`checkWatcher`). If it is
    /// there already it toggles its announce.
    mutating func connectWatcher() {
        if let watcher {
            watcherPushes.toggle()
            LogRecorder.shared.reset()
            debug("-> (second peer) sendcmpct announce \(watcherPushes ? 1 : 0)")
            _ = try? watcher.writeInbound(
                watcher.allocator.buffer(bytes: codec.encode(.sendCompact(SendCompactMessage(announce: watcherPushes))))
            )
            loop.run()
            settle(label: "second peer's sendcmpct", received: [])
            checkInvariants(after: "second peer's sendcmpct")
            return
        }
        let second = EmbeddedChannel(loop: loop)
        watcher = second
        watcherPushes = true
        LogRecorder.shared.reset()
        debug("-> (a second peer connects and asks for pushes)")
        try! peerNetwork.adopt(second)
        second.remoteAddress = Session.watcherAddress
        second.connect(to: Session.watcherAddress, promise: nil)
        loop.run()
        let version = VersionMessage(
            services: .network, timestamp: 1_795_392_000, receiverServices: .network,
            receiverAddress: NetworkAddress(ipv4: [10, 0, 0, 1], port: 18733), senderServices: .network,
            senderAddress: NetworkAddress(ipv4: [10, 0, 0, 3], port: 18444), nonce: Session.watcherNonce,
            userAgent: "/fuzz-peer:watcher/", startHeight: 0, relay: true)
        let bytes =
            codec.encode(.version(version)) + codec.encode(.verack)
            + codec.encode(.sendCompact(SendCompactMessage(announce: true)))
        _ = try? second.writeInbound(second.allocator.buffer(bytes: bytes))
        loop.run()
        settle(label: "a second peer", received: [])
        checkInvariants(after: "a second peer")
    }

    /// What the node sent the second peer: every `cmpctblock` pushed to it is of a header that
    /// passes the header rules on a parent the node knows and holds valid (R1–R6: relay goes before
    /// validation, not before the header checks, §13.10), prefills the coinbase, and rebuilds, with
    /// any body the harness knows for it, to a block whose transactions hash to its merkle root. The
    /// second peer is never disconnected.
    mutating func checkWatcher(after label: String) {
        guard let watcher else { return }
        var bytes: [UInt8] = []
        while let buffer = try? watcher.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        let messages = PeerSocket.decode(bytes)
        for message in messages {
            debug("<- (second peer) \(message.command)")
            guard case .compactBlock(let pushed) = message else { continue }
            let hash = pushed.header.hash
            node.sync { state in
                let index = state.chain.index
                guard let parent = index[pushed.header.previousBlockHash] else {
                    preconditionFailure("\(label): pushed cmpctblock \(hash), whose parent the node does not know")
                }
                precondition(
                    !index.status(of: parent).isInvalid,
                    "\(label): pushed cmpctblock \(hash), whose parent is invalid")
                do {
                    _ = try HeaderChecks.check(
                        pushed.header, hash: hash, parent: parent, parameters: parameters,
                        now: UInt32(Date().timeIntervalSince1970))
                } catch {
                    preconditionFailure("\(label): pushed cmpctblock \(hash), whose header breaks \(error)")
                }
            }
            precondition(
                pushed.prefilledTransactions.first?.index == 0,
                "\(label): pushed cmpctblock \(hash) without its coinbase prefilled")
            guard let known = bodies[hash], var reconstruction = try? BlockReconstruction(pushed) else { continue }
            reconstruction.fill(from: known.flatMap(\.transactions))
            do {
                _ = try reconstruction.block
            } catch {
                preconditionFailure("\(label): pushed cmpctblock \(hash), whose transactions are not its header's")
            }
        }
        precondition(watcher.isActive, "\(label): the second peer was disconnected")
    }

    mutating func disconnectWatcher() {
        guard let watcher else { return }
        checkWatcher(after: "the second peer hangs up")
        watcher.close(promise: nil)
        loop.run()
        _ = try? watcher.finish(acceptAlreadyClosed: true)
        loop.run()
    }

    // MARK: 0: sendcmpct

    /// Kind 0, parameter `a`: `sendcmpct` with announce `a & 1`, compact version 1 (or, if `a & 2`,
    /// another: 0, 2, 2⁶⁴ − 1, 2³² + 1 by `a >> 2 & 3`, ignored by the node). Whether the node then
    /// pushes new blocks or announces them by `headers` is checked by kind 1.
    mutating func sendCompactPreference() {
        let a = parameter()
        let version: UInt64 = a & 2 == 0 ? 1 : [0, 2, UInt64.max, 0x1_0000_0001][Int(a >> 2 & 3)]
        send(.sendCompact(SendCompactMessage(announce: a & 1 != 0, version: version)))
    }

    // MARK: 1: a block from elsewhere

    /// Kind 1, parameter `c`: a block on the node's tip holding the first `c & 7` of the harness's
    /// transactions in its mempool, given to the node directly (mined, or from another peer), then
    /// announced as the node announces a new tip. When the node is at the tip (no header ahead) and
    /// the peer reads: if the peer's last `sendcmpct` (version 1) asked for pushes it gets a
    /// `cmpctblock` of the block, which rebuilds to it, and no `headers`; otherwise the `headers`
    /// and no `cmpctblock`.
    mutating func blockFromElsewhere() {
        let contents = Int(parameter() & 7)
        let candidates = transactions.map(\.tx)
        let (tip, height, time, atTheTip, pool) = node.sync { state in
            let tip = state.chain.tip
            let pool = candidates.filter { state.mempool.entries[$0.txid]?.tx.wtxid == $0.wtxid }
            return (tip.hash, tip.height, tip.header.time, state.chain.index.bestHeader?.hash == tip.hash, pool)
        }
        serial += 1
        let reward = Subsidy.amount(height: height + 1, parameters: parameters)
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: height + 1, extraNonce: serial, tag: Array("elsewhere".utf8)),
            outputs: [TxOutput(amount: reward, address: fuzzAddress)])
        let all = [coinbase] + pool.prefix(contents)
        var header = BlockHeader(
            version: 1, previousBlockHash: tip, merkleRoot: MerkleTree.root(all.map(\.wtxid)), time: time + 1,
            bits: parameters.powLimitBits, nonce: 0)
        while !ProofOfWork.isSolved(header) { header.nonce &+= 1 }
        let block = Block(header: header, transactions: all)
        remember(BuiltBlock(block: block, height: height + 1, validHeader: true))
        coins.append(HarnessCoin(outpoint: OutPoint(txid: coinbase.txid, index: 0), amount: reward))
        let checking = handshakeDone && nodeTakesNextMessage && atTheTip
        let label = "a block from elsewhere at \(height + 1) (\(all.count) txs)"
        debug("-> (\(label))")
        LogRecorder.shared.reset()
        _ = try? node.submit(block)
        let taken = node.sync { state in state.chain.tip.hash } == block.hash
        sent = []
        written = []
        announceNewTip()
        checkInvariants(after: label)
        guard checking, taken, channel.isActive, let preference = peerCompact else { return }
        let pushes = written.compactMap {
            if case .compactBlock(let message) = $0, message.header.hash == block.hash { message } else { nil }
        }
        let announced = written.contains {
            if case .headers(let message) = $0 { message.headers.contains { $0.hash == block.hash } } else { false }
        }
        if preference.pushes {
            precondition(
                pushes.count == 1 && !announced,
                "\(label): a peer asking for pushes got \(pushes.count) cmpctblock(s)\(announced ? " and the headers" : "")"
            )
            checkRebuilds(pushes[0], to: block, label: label)
        } else {
            precondition(
                pushes.isEmpty && announced,
                "\(label): a peer not asking for pushes got \(pushes.count) cmpctblock(s), headers \(announced ? "" : "not ")sent"
            )
        }
    }

    // MARK: 2: cmpctblock

    /// Kind 2, parameters `r s m`. A chain of `s & 7` new transactions from the coin `r` picks (as
    /// operation 22: `r < 0x80` the initial chain's coinbase `r % 12`, otherwise one of the harness's
    /// coins), the first `s >> 3 & 7` of them sent as `tx` first (they join the mempool); then a
    /// block holding them all, on the tip (`m >> 4 & 3`: 0, 3 the tip, 1 the harness's last block, 2
    /// the block below the tip), sent as `cmpctblock` with its coinbase prefilled (and its last
    /// transaction, if `s & 0x40`). `m & 15`: 0–2 as it is; 3 two equal short ids; 4 proof of
    /// work not met; 5 time before the median time past; 6 a merkle root its transactions do not
    /// have; 7 a coinbase claiming one unit too many; 8 an unknown parent; 9 the wrong bits; 10 two
    /// equal short ids and proof of work not met (`m & 15 % 11`). `s & 0x80`: instead, the harness's built block `r % count` as `cmpctblock` (to answer a `getdata`
    /// type 4, say). Checked when the node reads and the block is on its tip:
    ///
    /// - it asks with one `getblocktxn` for exactly the positions neither prefilled nor in its
    ///   mempool, or, with none missing, takes the block (its tip if valid; invalid, 100 points
    ///   unless it had asked the peer to push it new blocks: then none);
    /// - two equal short ids: once the header is stored, it asks for the block whole (`getdata`
    ///   type 2), no penalty; an unknown parent or a chain of less work: not asked for;
    /// - a header breaking R1, R2 or R3: 100 points, disconnected, even with two equal short ids
    ///   (the header is checked before the short ids); an unknown parent: `getheaders` or a
    ///   nuisance, as `headers` that do not connect;
    /// - the wrong merkle root, nothing missing: the block whole is asked for, no penalty.
    mutating func sendCompactBlock() {
        let root = parameter()
        let shape = parameter()
        let mode = parameter()
        serial += 1
        if shape & 0x80 != 0 {
            guard !blocks.isEmpty else { return }
            let built = blocks[Int(root) % blocks.count]
            send(
                .compactBlock(CompactBlockMessage(block: built.block, nonce: serial)),
                label: "cmpctblock of built block at \(built.height)")
            return
        }
        let variant = Int(mode & 15) % 11
        let count = Int(shape & 7)
        let sentFirst = min(count, Int(shape >> 3 & 7))

        // The chain of transactions, from an initial coinbase (its validity known) or a harness coin.
        let initialIndex: Int? = root < 0x80 || coins.isEmpty ? Int(root) % Int(spendableCoinbases) : nil
        let start = initialIndex.map { initialCoinbase($0) } ?? coins[Int(root & 0x7F) % coins.count]
        var chain: [(tx: Transaction, fee: UInt64)] = []
        var coin = start
        for _ in 0..<count {
            serial += 1
            let fee = 10_000 + serial % 256
            guard coin.amount > fee + 10_000 else { break }
            let tx = Transaction(
                inputs: [TxInput(outpoint: coin.outpoint, publicKey: fuzzKey.publicKey)],
                outputs: [TxOutput(amount: coin.amount - fee, address: fuzzAddress)]
            )
            .signed(with: [fuzzKey], parameters: parameters)
            chain.append((tx, fee))
            coin = HarnessCoin(outpoint: OutPoint(txid: tx.txid, index: 0), amount: coin.amount - fee)
            transactions.append((tx, fee))
            coins.append(coin)
        }

        // The parent.
        var parent: (hash: Hash256, height: UInt32, time: UInt32)
        switch mode >> 4 & 3 {
        case 1 where !blocks.isEmpty:
            let last = blocks[blocks.count - 1]
            parent = (last.block.hash, last.height, last.block.header.time)
        case 2:
            parent = self.parent(0x81)
        default:
            parent = self.parent(0x80)
        }
        if variant == 8 {
            parent.hash = Hash256(w0: serial, w1: 0x636D_7063_7462_6C6B, w2: 0, w3: 2)
        }
        let height = parent.height + 1
        let fees = chain.reduce(0) { $0 + $1.fee }
        let reward = Subsidy.amount(height: height, parameters: parameters) + fees + (variant == 7 ? 1 : 0)
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: height, extraNonce: serial, tag: Array("compact".utf8)),
            outputs: [TxOutput(amount: reward, address: fuzzAddress)])
        let all = [coinbase] + chain.map(\.tx)
        var header = BlockHeader(
            version: 1, previousBlockHash: parent.hash,
            merkleRoot: variant == 6
                ? Hash256(w0: serial, w1: 0x6D65_726B_6C65, w2: 0, w3: 6) : MerkleTree.root(all.map(\.wtxid)),
            time: variant == 5 ? parent.time &- 100 : parent.time + 1,
            bits: variant == 9 ? 0x207f_fffe : parameters.powLimitBits, nonce: 0)
        while ProofOfWork.isSolved(header) == (variant == 4 || variant == 10) { header.nonce &+= 1 }
        let block = Block(header: header, transactions: all)
        let hash = block.hash
        remember(BuiltBlock(block: block, height: height, validHeader: ![4, 5, 8, 9, 10].contains(variant)))
        coins.append(HarnessCoin(outpoint: OutPoint(txid: coinbase.txid, index: 0), amount: reward))

        for (tx, _) in chain.prefix(sentFirst) { send(.tx(tx), label: "tx \(tx.txid) (for a cmpctblock)") }

        let prefilled = shape & 0x40 != 0 && !chain.isEmpty ? [0, chain.count] : [0]
        var message = CompactBlockMessage(block: block, nonce: serial, prefilledIndexes: prefilled)
        if variant == 3 || variant == 10 {
            var shortIDs = message.shortIDs
            if shortIDs.count >= 2 {
                shortIDs[1] = shortIDs[0]
            } else {
                shortIDs = [serial & CompactBlockMessage.shortIDMask, serial & CompactBlockMessage.shortIDMask]
            }
            message = CompactBlockMessage(
                header: block.header, nonce: serial, shortIDs: shortIDs,
                prefilledTransactions: message.prefilledTransactions)
        }

        // What the node must make of it, from its state now (a block it saw compact before may be
        // rebuilding: then it is ignored).
        let checking = handshakeDone && nodeTakesNextMessage && !compactOffered.contains(hash)
        let startOutpoint = start.outpoint
        let blockWork = harness.blockWork
        let (onTip, parentKnown, enoughWork, missing, spendable) = node.sync { state in
            let chainState = state.chain
            let mempool = state.mempool
            let missing = chain.indices.map { $0 + 1 }.filter { position in
                let tx = chain[position - 1].tx
                return !prefilled.contains(position) && mempool.entries[tx.txid]?.tx.wtxid != tx.wtxid
            }
            let parentEntry = chainState.index[parent.hash]
            let parentKnown = parentEntry.map { !chainState.index.status(of: $0).isInvalid } ?? false
            // Its header is stored (not of a chain with less work than the tip's).
            let enoughWork = parentEntry.map { !($0.chainWork + blockWork < chainState.tip.chainWork) } ?? false
            let spendable = (try? chainState.coin(startOutpoint)) != nil
            return (chainState.tip.hash == parent.hash, parentKnown, enoughWork, missing, spendable)
        }
        let mature = initialIndex.map { Int(height) - ($0 + 1) >= 100 } ?? false
        let validBase = spendable && mature && chain.count == count && [0, 1, 2, 3, 7].contains(variant)
        let record = CompactRecord(
            block: block, valid: validBase && variant != 7, overpays: validBase && variant == 7,
            pushed: nodeAskedForPushes && !inFlight.contains(hash))
        compactRecords[hash] = record
        let tipBefore = node.sync { state in state.chain.tip.hash }
        let label = "cmpctblock at \(height) (\(all.count) txs, \(missing.count) missing, variant \(variant))"
        ownCompact = message
        send(.compactBlock(message), label: label)
        ownCompact = nil
        guard checking else { return }

        let asks = written.compactMap {
            if case .getBlockTransactions(let request) = $0, request.blockHash == hash { request } else { nil }
        }
        let wholeAsked = written.contains {
            if case .getData(let request) = $0 {
                request.inventory == [InventoryVector(type: .block, hash: hash)]
            } else {
                false
            }
        }
        let tip = node.sync { state in state.chain.tip.hash }
        switch variant {
        case 3:
            // The header is checked first: the whole block is asked for only once it is stored (an
            // unknown parent is `getheaders` or a nuisance, a chain of less work is not asked for).
            if parentKnown && enoughWork {
                precondition(
                    wholeAsked && asks.isEmpty && penalties.isEmpty,
                    "\(label): two equal short ids: the whole block \(wholeAsked ? "" : "not ")asked for, \(asks.count) getblocktxn, penalties \(penalties.map(\.line))"
                )
            } else {
                precondition(
                    !wholeAsked && asks.isEmpty,
                    "\(label): two equal short ids, a header not stored (parent known \(parentKnown)): the whole block \(wholeAsked ? "" : "not ")asked for, \(asks.count) getblocktxn"
                )
            }
        case 10:
            // The header is checked before anything is rebuilt or asked (§13.9: an invalid header in a
            // `cmpctblock` costs 100 points).
            let charged =
                penalties.contains { $0.line.contains("invalid data") && $0.score >= BanScore.threshold }
                && !channel.isActive
            precondition(
                charged && !wholeAsked,
                "\(label): a header without its proof of work, with two equal short ids: \(wholeAsked ? "the whole block asked for, " : "")penalties \(penalties.map(\.line))"
            )
        case 4, 5, 9:
            // R1 is checked first; R2 and R3 only for a chain that is not of less work than the tip.
            guard variant == 4 || (onTip && parentKnown) else { return }
            precondition(
                penalties.contains { $0.line.contains("invalid data") && $0.score >= BanScore.threshold }
                    && !channel.isActive,
                "\(label): a header breaking a header rule was not invalid (100, disconnected): \(penalties.map(\.line))"
            )
        case 8:
            let askedHeaders = written.contains { if case .getHeaders = $0 { true } else { false } }
            let charged = penalties.contains { $0.line.contains("nuisance") }
            precondition(
                askedHeaders != charged && !penalties.contains { $0.score >= 50 && !$0.line.contains("nuisance") },
                "\(label): an unknown parent: getheaders \(askedHeaders), penalties \(penalties.map(\.line))")
        default:
            guard onTip, parentKnown else { return }
            if !missing.isEmpty {
                precondition(
                    asks.count == 1 && asks[0].indexes == missing && penalties.isEmpty && tip == tipBefore,
                    "\(label): expected one getblocktxn for \(missing), got \(asks.map(\.indexes)), penalties \(penalties.map(\.line))"
                )
                return
            }
            precondition(asks.isEmpty, "\(label): nothing missing, yet a getblocktxn")
            if variant == 6 {
                precondition(
                    wholeAsked && penalties.isEmpty && tip == tipBefore,
                    "\(label): rebuilt with a wrong merkle root: the whole block \(wholeAsked ? "" : "not ")asked, penalties \(penalties.map(\.line))"
                )
            } else {
                checkTaken(record, tip: tip, label: label)
            }
        }
    }

    /// A block rebuilt from the peer's `cmpctblock` (and `blocktxn`): the tip if valid; if its
    /// coinbase overpays, not the tip, and 100 points unless the node had asked for pushes.
    func checkTaken(_ record: CompactRecord, tip: Hash256, label: String) {
        let hash = record.block.hash
        if record.valid {
            precondition(tip == hash, "\(label): a valid block rebuilt on the tip did not become the tip")
            precondition(penalties.isEmpty, "\(label): a valid block rebuilt cost \(penalties.map(\.line))")
        } else if record.overpays {
            precondition(tip != hash, "\(label): an invalid block became the tip")
            let charged = penalties.contains { $0.line.contains("invalid data") && $0.score >= BanScore.threshold }
            precondition(
                charged != record.pushed,
                "\(label): an invalid block rebuilt, \(record.pushed ? "pushed as asked" : "not pushed as asked"), penalties \(penalties.map(\.line))"
            )
        }
    }

    // MARK: 3: blocktxn

    /// Kind 3, parameter `m`: answers the node's last `getblocktxn` (`m % 4`: 0 with the
    /// transactions asked; 1 one fewer; 2 one more; 3 as many, the first another — a copy with
    /// another signature); or, if `m & 4` or none is pending, a `blocktxn` nobody asked for (a block
    /// of the harness or an unknown hash, with its first `m >> 3 & 3` transactions). The right
    /// transactions make the block (the tip, if valid, as kind 2 says); another number is a protocol
    /// violation and the block is not taken from that answer; as many but wrong ones rebuild a
    /// block with another merkle root: the whole block is asked for, no penalty; a `blocktxn` not
    /// asked for changes nothing and costs nothing.
    mutating func sendBlockTransactions() {
        let mode = parameter()
        let checking = handshakeDone && nodeTakesNextMessage
        let tipBefore = node.sync { state in state.chain.tip.hash }
        guard mode & 4 == 0, let request = pendingRebuild else {
            serial += 1
            var hash = Hash256(w0: serial, w1: 0x626C_6F63_6B74_786E, w2: 0, w3: 3)
            var transactions: [Transaction] = []
            if !blocks.isEmpty {
                let built = blocks[Int(mode >> 5) % blocks.count].block
                hash = built.hash
                transactions = Array(built.transactions.prefix(Int(mode >> 3 & 3)))
            }
            if hash == pendingRebuild?.blockHash { hash = Hash256(w0: serial, w1: 1, w2: 2, w3: 3) }
            send(
                .blockTransactions(BlockTransactionsMessage(blockHash: hash, transactions: transactions)),
                label: "blocktxn not asked for (\(transactions.count) txs)")
            guard checking, channel.isActive else { return }
            let tip = node.sync { state in state.chain.tip.hash }
            let asked = written.contains {
                switch $0 {
                case .getData(let message): message.inventory.contains { $0.hash == hash }
                case .getBlockTransactions(let message): message.blockHash == hash
                default: false
                }
            }
            precondition(
                penalties.isEmpty && tip == tipBefore && !asked,
                "a blocktxn not asked for: penalties \(penalties.map(\.line)), tip \(tip == tipBefore ? "kept" : "moved"), block \(asked ? "" : "not ")asked for"
            )
            return
        }
        let hash = request.blockHash
        // The body the harness built, if the positions asked are within it.
        let known = builtIndex[hash].map { blocks[$0].block }.flatMap {
            request.indexes.allSatisfy($0.transactions.indices.contains) ? $0 : nil
        }
        var answer: [Transaction]
        if let known {
            answer = request.indexes.map { known.transactions[$0] }
        } else {
            // A block the fuzzer made: transactions of the right number, not its own.
            answer = request.indexes.map { harness.coinbases[$0 % harness.coinbases.count] }
        }
        var wrongCount = false
        var wrongTransactions = known == nil && !answer.isEmpty
        switch mode % 4 {
        case 1 where !answer.isEmpty:
            answer.removeLast()
            wrongCount = true
        case 1, 2:
            answer.append(harness.coinbases[0])
            wrongCount = true
        case 3 where !answer.isEmpty:
            var inputs = answer[0].inputs
            if !inputs.isEmpty, !answer[0].isCoinbase {
                inputs[0].signature[Int(serial % 64)] ^= 0x01
                answer[0] = Transaction(version: answer[0].version, inputs: inputs, outputs: answer[0].outputs)
            } else {
                answer[0] = harness.coinbases[1]
            }
            wrongTransactions = true
        default:
            break
        }
        let label = "blocktxn of \(answer.count) for \(request.indexes.count) asked"
        send(.blockTransactions(BlockTransactionsMessage(blockHash: hash, transactions: answer)), label: label)
        guard checking, !uncertain.contains(hash) else { return }
        let (tip, stored) = node.sync { state in
            (
                state.chain.tip.hash,
                state.chain.index[hash].map { state.chain.index.status(of: $0) == .haveData } ?? false
            )
        }
        let wholeAsked = written.contains {
            if case .getData(let message) = $0 {
                message.inventory == [InventoryVector(type: .block, hash: hash)]
            } else {
                false
            }
        }
        if wrongCount {
            precondition(
                penalties.contains { $0.line.contains("protocol violation") && $0.line.contains("blocktxn") },
                "\(label): another number of transactions than asked was not a protocol violation: \(penalties.map(\.line))"
            )
            precondition(!stored && tip == tipBefore, "\(label): the block was taken from a blocktxn of another count")
        } else if wrongTransactions {
            precondition(
                wholeAsked && penalties.isEmpty && tip == tipBefore,
                "\(label): wrong transactions: the whole block \(wholeAsked ? "" : "not ")asked for, penalties \(penalties.map(\.line))"
            )
        } else if let record = compactRecords[hash], record.block.header.previousBlockHash == tipBefore {
            checkTaken(record, tip: tip, label: label)
        }
    }

    // MARK: 4: getdata type 4

    /// Kind 4, parameters `p c`: `getdata` of `c % 4 + 1` blocks as `cmpctblock` (type 4): the
    /// harness's (`p & 0x80`, from `(p & 0x7F) % count`) or the active chain's from height `p & 0x7F`;
    /// with an unknown hash too if `c & 4`. A block the node has is answered with a `cmpctblock`
    /// that rebuilds to it (or the `block`); one it has not with `notfound`.
    mutating func getCompactBlocks() {
        let selector = parameter()
        let count = Int(parameter())
        serial += 1
        var hashes: [Hash256]
        let first = Int(selector & 0x7F)
        if selector & 0x80 != 0, !blocks.isEmpty {
            hashes = (0..<(count % 4 + 1)).map { blocks[(first + $0) % blocks.count].block.hash }
        } else {
            hashes = node.sync { state in
                let height = Int(state.chain.height)
                return (0..<(count % 4 + 1)).map {
                    state.chain.index.activeEntry(at: UInt32((first + $0) % (height + 1)))!.hash
                }
            }
        }
        if count & 4 != 0 { hashes.append(Hash256(w0: serial, w1: 0x636D_7063_7434, w2: 0, w3: 4)) }
        let checking = handshakeDone && nodeTakesNextMessage
        let label = "getdata of \(hashes.count) cmpctblock(s)"
        send(
            .getData(GetDataMessage(inventory: hashes.map { InventoryVector(type: .compactBlock, hash: $0) })),
            label: label)
        guard checking, channel.isActive else { return }
        for hash in Set(hashes) {
            if let stored = node.block(hash) {
                let answered = sent.contains {
                    switch $0 {
                    case .compactBlock(let message) where message.header.hash == hash:
                        checkRebuilds(message, to: stored, label: label)
                        return true
                    case .block(let block): return block.hash == hash
                    default: return false
                    }
                }
                precondition(answered, "\(label): block \(hash), which the node has, not served")
            } else {
                let refused = sent.contains {
                    if case .notFound(let message) = $0 {
                        message.inventory.contains(InventoryVector(type: .compactBlock, hash: hash))
                    } else {
                        false
                    }
                }
                precondition(refused, "\(label): block \(hash), which the node has not, not answered notfound")
            }
        }
    }

    // MARK: 5: getblocktxn

    /// Kind 5, parameters `p s`: `getblocktxn` for a block (`s & 0x80`: an unknown hash; else `p &
    /// 0x80`: the harness's block `(p & 0x7F) % count`, or the active chain's at height `p`) of the
    /// `s & 3` positions from `s >> 2 & 7`. A block the node has: `blocktxn` with exactly those
    /// transactions, or, for a position past its end, a protocol violation and no answer; a block
    /// it has not: no answer, no penalty.
    mutating func getBlockTransactions() {
        let selector = parameter()
        let shape = parameter()
        serial += 1
        let hash: Hash256
        if shape & 0x80 != 0 {
            hash = Hash256(w0: serial, w1: 0x6765_7462_6C6B_7478, w2: 0, w3: 5)
        } else if selector & 0x80 != 0, !blocks.isEmpty {
            hash = blocks[Int(selector & 0x7F) % blocks.count].block.hash
        } else {
            hash = node.sync { state in
                state.chain.index.activeEntry(at: UInt32(selector) % (state.chain.height + 1))!.hash
            }
        }
        let start = Int(shape >> 2 & 7)
        let indexes = Array(start..<(start + Int(shape & 3)))
        let checking = handshakeDone && nodeTakesNextMessage
        let stored = node.block(hash)
        let label = "getblocktxn \(indexes) of a block of \(stored.map { "\($0.transactions.count)" } ?? "no") txs"
        send(.getBlockTransactions(GetBlockTransactionsMessage(blockHash: hash, indexes: indexes)), label: label)
        guard checking else { return }
        let answers = written.compactMap {
            if case .blockTransactions(let message) = $0, message.blockHash == hash { message } else { nil }
        }
        let violation = penalties.contains { $0.line.contains("protocol violation") && $0.line.contains("getblocktxn") }
        guard let stored else {
            precondition(
                answers.isEmpty && penalties.isEmpty, "\(label): a block the node has not was answered or charged")
            return
        }
        if let last = indexes.last, last >= stored.transactions.count {
            precondition(
                answers.isEmpty && violation,
                "\(label): a position past the end: \(answers.count) answer(s), penalties \(penalties.map(\.line))")
        } else {
            precondition(
                answers.count == 1 && penalties.isEmpty
                    && answers[0].transactions.map(\.wtxid) == indexes.map { stored.transactions[$0].wtxid },
                "\(label): not answered with exactly those transactions (\(answers.count) answers, penalties \(penalties.map(\.line)))"
            )
        }
    }

    // MARK: 7: a version of another protocol

    /// Kind 7, parameter `v`: the peer's `version` announcing protocol `v & 3` (1, 2, 3, 2³¹ − 1) and
    /// start height 1,000 (0 if `v & 8`), then its `verack` unless `v & 4` (so an input whose set-up did no handshake has a peer speaking
    /// version 1: it must be sent no compact-block message it did not use itself).
    mutating func versionOfProtocol() {
        let v = parameter()
        let protocolVersion: Int32 = [1, 2, 3, Int32.max][Int(v & 3)]
        let version = peerVersion(
            nonce: peerNonce, startHeight: v & 8 != 0 ? 0 : 1_000, protocolVersion: protocolVersion)
        send(.version(version), label: "version of protocol \(protocolVersion)")
        if v & 4 == 0 { send(.verack) }
    }
}
