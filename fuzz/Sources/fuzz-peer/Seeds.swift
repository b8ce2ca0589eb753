import Foundation
import TallyChain
import TallyCrypto
import TallyMining
import TallyWire

/// The hand-made seeds of `fuzz/corpus/fuzz-peer` (`FUZZ_PEER_WRITE_SEEDS=DIR fuzz-peer` writes
/// them), in the input format of `main.swift`.
enum Seeds {
    /// One input being written: the set-up byte, then operations.
    struct Input {
        var bytes: [UInt8]

        init(setup: UInt8) { bytes = [setup] }

        /// A framed message with `command` (operation 0 … 17) around `payload`.
        mutating func message(_ message: Message) {
            let index = MessageCodec.knownCommands.firstIndex(of: message.command)!
            frame(UInt8(index), message.payload)
        }

        mutating func frame(_ op: UInt8, _ payload: [UInt8]) {
            bytes += [op, UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)] + payload
        }

        mutating func op(_ op: UInt8, _ parameters: UInt8...) { bytes += [op] + parameters }

        /// A compact-block operation (operation 31, second byte `0xC0 + kind`).
        mutating func compact(_ kind: UInt8, _ parameters: UInt8...) {
            bytes += [Seeds.extended, Session.compactOperations + kind] + parameters
        }

        /// A compact-block message (`sendcmpct`, `cmpctblock`, `getblocktxn`, `blocktxn`) with any payload.
        mutating func compactFrame(_ message: Message) { compactFrame(message.command, message.payload) }

        mutating func compactFrame(_ command: String, _ payload: [UInt8]) {
            let index = UInt8(InboundModel.compactCommands.firstIndex(of: command)!)
            bytes += [Seeds.extended, Session.compactOperations + 6, index]
            bytes += [UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)] + payload
        }
    }

    static let handshake: UInt8 = 2
    static let ping: UInt8 = 2, getHeaders: UInt8 = 8, raw: UInt8 = 19, unknown: UInt8 = 18
    static let buildBlock: UInt8 = 20, builtBlocks: UInt8 = 21, buildTx: UInt8 = 22, inv: UInt8 = 23,
        getData: UInt8 = 24
    static let locator: UInt8 = 25
    static let burst: UInt8 = 26, toggleReading: UInt8 = 27, fork: UInt8 = 28, serve: UInt8 = 29,
        handshakeOrMagic: UInt8 = 30, extended: UInt8 = 31

    static func all() -> [(String, [UInt8])] {
        let harness = Harness.shared
        let genesis = parameters.genesis
        let tip = harness.initialTip
        var seeds: [(String, [UInt8])] = []

        var input = Input(setup: 0)
        input.message(.ping(PingMessage(nonce: 7)))
        seeds.append(("ping-before-handshake", input.bytes))

        input = Input(setup: handshake)
        input.message(.ping(PingMessage(nonce: 0x0102_0304_0506_0708)))
        input.message(.getStatus)
        input.message(.mempool)
        seeds.append(("handshake-ping-getstatus-mempool", input.bytes))

        input = Input(setup: handshake)
        input.message(.getHeaders(GetHeadersMessage(locator: [genesis.hash])))
        input.message(.getBlocks(GetBlocksMessage(locator: [genesis.hash], hashStop: .zero)))
        input.message(.getData(GetDataMessage(inventory: [.block(tip), .block(genesis.hash), .transaction(.zero)])))
        seeds.append(("handshake-getheaders-getblocks-getdata", input.bytes))

        // A block on genesis: a fork with far less work than the initial chain's 110 blocks.
        let onGenesis = solved(header(on: genesis.hash, height: 1, time: genesis.header.time + 1, extraNonce: 1))
        input = Input(setup: handshake)
        input.message(.headers(HeadersMessage(headers: [onGenesis.header])))
        input.message(.block(onGenesis))
        seeds.append(("handshake-headers-block-on-genesis", input.bytes))

        // A block on the tip, announced by headers and then sent; the next block sent unannounced.
        let tipTime = genesis.header.time + initialHeight
        let next = solved(header(on: tip, height: initialHeight + 1, time: tipTime + 1, extraNonce: 2))
        let after = solved(header(on: next.hash, height: initialHeight + 2, time: tipTime + 2, extraNonce: 3))
        input = Input(setup: handshake)
        input.message(.headers(HeadersMessage(headers: [next.header])))
        input.message(.block(next))
        input.message(.block(after))
        seeds.append(("handshake-headers-block-on-tip", input.bytes))

        // A transaction spending the initial chain's first coinbase: announced, then sent.
        let coinbase = harness.coinbases[0]
        let tx = Transaction(
            inputs: [TxInput(outpoint: OutPoint(txid: coinbase.txid, index: 0), publicKey: fuzzKey.publicKey)],
            outputs: [TxOutput(amount: coinbase.outputs[0].amount - 10_000, address: fuzzAddress)]
        )
        .signed(with: [fuzzKey], parameters: parameters)
        input = Input(setup: handshake)
        input.message(.inv(InvMessage(inventory: [.transaction(tx.txid)])))
        input.message(.tx(tx))
        input.message(.mempool)
        input.message(.getData(GetDataMessage(inventory: [.transaction(tx.txid)])))
        seeds.append(("handshake-inv-tx", input.bytes))

        // The harness's own blocks and transactions: a spend, a block holding it, a chain of spends,
        // headers, inventory.
        input = Input(setup: handshake)
        input.op(buildTx, 0x00, 0x00, 0x04)
        input.op(buildTx, 0x81, 0x01, 0x04)
        input.op(inv, 0x00, 0x01)
        input.op(buildBlock, 0x80, 0x82, 0x00)
        input.op(builtBlocks, 0x00)
        input.op(getData, 0x00, 0x01)
        input.op(builtBlocks, 0x80)
        input.op(inv, 0x80, 0x00)
        input.op(locator, 0x05, 0x00)
        input.op(locator, 0x85, 0x70)
        seeds.append(("handshake-harness-tx-block-headers", input.bytes))

        // A reorganisation: a block beside the tip (equal work), then one on it (more work).
        input = Input(setup: handshake)
        input.op(buildTx, 0x02, 0x00, 0x04)
        input.op(buildBlock, 0x80, 0x01, 0x00)
        input.op(buildBlock, 0x81, 0x00, 0x00)
        input.op(buildBlock, 0x01, 0x00, 0x00)
        input.message(.mempool)
        seeds.append(("handshake-harness-reorg", input.bytes))

        // Each broken rule of the block operation, on the tip (a block with a transaction).
        let rules = [
            "coinbase-amount", "merkle-root", "time-too-old", "time-too-new", "bits", "duplicate-tx",
            "no-coinbase", "coinbase-height", "proof-of-work", "two-coinbases",
        ]
        for (corruption, rule) in zip(UInt8(4)..<14, rules) {
            input = Input(setup: handshake | 0x04)
            input.op(buildTx, corruption % 11, 0x00, 0x04)
            input.op(buildBlock, 0x80, 0x01, corruption)
            seeds.append(("handshake-harness-invalid-block-\(rule)", input.bytes))
        }

        // Transactions against policy (kept out of the mempool, no penalty: dust, version 2, no fee),
        // a valid one with four outputs, then one spending an immature coinbase (penalised, which
        // disconnects); then rule breakers, one per input: the same input twice, outputs above the
        // inputs, a broken signature.
        input = Input(setup: handshake)
        for flags: UInt8 in [0x40, 0x80] { input.op(buildTx, 0x03, flags, 0x04) }
        input.op(buildTx, 0x03, 0x00, 0x00)
        input.op(buildTx, 0x0A, 0x07, 0x04)
        input.op(buildTx, 0x0B, 0x00, 0x04)
        seeds.append(("handshake-harness-policy-transactions", input.bytes))
        for (flags, rule) in [
            (UInt8(0x10), "duplicate-input"), (0x20, "outputs-above-inputs"), (0x08, "bad-signature"),
        ] {
            input = Input(setup: handshake)
            input.op(buildTx, 0x04, flags, 0x04)
            seeds.append(("handshake-harness-invalid-transaction-\(rule)", input.bytes))
        }

        input = Input(setup: handshake)
        input.message(addr(10, 0, 0, 3))
        input.message(.getAddr)
        input.frame(unknown, [1, 2, 3])
        input.message(.reject(RejectMessage(message: "tx", code: .invalid, reason: "fuzz", hash: .zero)))
        input.message(.notFound(NotFoundMessage(inventory: [.transaction(.zero)])))
        input.message(.pong(PongMessage(nonce: 1)))
        seeds.append(("handshake-addr-getaddr-unknown-reject-notfound-pong", input.bytes))

        input = Input(setup: 1)
        input.message(.getStatus)
        input.message(.verack)
        input.message(.verack)
        seeds.append(("version-getstatus-verack-twice", input.bytes))

        seeds.append(("self-connection", [0x11]))

        input = Input(setup: handshake)
        input.frame(raw, [0x00, 0x11, 0x22, 0x33] + [UInt8](repeating: 0x41, count: 20))
        seeds.append(("handshake-raw-wrong-magic", input.bytes))

        // Two frames in one write, the second split over two writes.
        let frames = codec.encode(.ping(PingMessage(nonce: 1))) + codec.encode(.ping(PingMessage(nonce: 2)))
        input = Input(setup: handshake)
        input.frame(raw, Array(frames[0..<40]))
        input.frame(raw, Array(frames[40...]))
        seeds.append(("handshake-raw-split-frames", input.bytes))

        input = Input(setup: 0)
        input.frame(
            raw,
            Array(
                codec.encode(
                    .version(
                        VersionMessage(
                            services: .network, timestamp: 0, receiverServices: .network, receiverAddress: .unspecified,
                            senderServices: .network, senderAddress: .unspecified, nonce: 9, userAgent: "/seed/",
                            startHeight: 5,
                            relay: false)))))
        input.message(.verack)
        input.message(.getHeaders(GetHeadersMessage(locator: [tip])))
        seeds.append(("raw-version-then-verack-getheaders", input.bytes))
        seeds += hostileLoadSeeds()
        seeds += compactSeeds()
        return seeds
    }

    /// Seeds of the operations of issue #13 (26–31).
    static func hostileLoadSeeds() -> [(String, [UInt8])] {
        var seeds: [(String, [UInt8])] = []
        var input: Input

        // Bursts of each kind of request from a peer that does not read, then reads again: 1,024
        // pings, 200 getheaders, 256 getblocks, 1,024 getaddr, mempool and getdata of one block
        // each, one getdata of 1,000 transactions, 512 getstatus; and 200 pings read as they come.
        for (name, kind, count) in [
            ("1024-pings", UInt8(0x80), UInt8(255)), ("200-getheaders", 0x01, 199), ("256-getblocks", 0x02, 255),
            ("1024-getaddr", 0x83, 255), ("1024-mempool", 0x84, 255), ("1024-getdata-blocks", 0x85, 255),
            ("1000-getdata-transactions", 0x86, 249), ("512-getstatus", 0x87, 127),
        ] {
            input = Input(setup: handshake)
            if kind & 0x0F == 3 { input.message(addr(10, 0, 0, 7)) }
            if kind & 0x0F == 4 || kind & 0x0F == 6 { input.op(buildTx, 0x00, 0x03, 0x04) }
            input.op(burst, kind, count, 0x05)
            input.message(.ping(PingMessage(nonce: 99)))
            seeds.append(("handshake-burst-\(name)-not-reading", input.bytes))
        }
        input = Input(setup: handshake)
        input.op(burst, 0x40, 199, 0x00)
        seeds.append(("handshake-burst-200-pings-reading", input.bytes))

        // The peer stops reading, asks, and reads again.
        input = Input(setup: handshake)
        input.op(toggleReading)
        input.message(.ping(PingMessage(nonce: 5)))
        input.op(locator, 0x00, 0x00)
        input.message(.getStatus)
        input.op(getData, 0x85, 0x07)
        input.op(toggleReading)
        input.message(.ping(PingMessage(nonce: 6)))
        seeds.append(("handshake-stop-reading-ask-read-again", input.bytes))

        // Headers of a chain from height 60 with less work than the tip (not stored); then 38 chains
        // of 108 headers from height 1 (4,104 low-work headers: a protocol violation past 4,000).
        input = Input(setup: handshake)
        input.op(fork, 50, 19, 0x00)
        seeds.append(("handshake-fork-low-work-headers", input.bytes))
        input = Input(setup: handshake | 0x04)
        for _ in 0..<38 { input.op(fork, 109, 107, 0x00) }
        input.message(.ping(PingMessage(nonce: 3)))
        seeds.append(("handshake-fork-low-work-headers-past-allowance", input.bytes))

        // A longer fork from height 105: stored, its blocks asked for; served as asked, with another
        // coinbase (R7: a protocol violation, not asked again), a transaction short, or notfound.
        input = Input(setup: handshake)
        input.op(fork, 5, 9, 0x00)
        for _ in 0..<10 { input.op(serve, 0x00, 0x00) }
        seeds.append(("handshake-fork-more-work-blocks-served", input.bytes))
        input = Input(setup: handshake | 0x04)
        input.op(fork, 5, 9, 0x00)
        input.op(serve, 0x00, 0x01)
        input.op(serve, 0x00, 0x03)
        input.op(serve, 0x00, 0x00)
        input.op(serve, 0x01, 0x02)
        input.op(serve, 0x00, 0x07)
        input.message(.ping(PingMessage(nonce: 4)))
        seeds.append(("handshake-fork-more-work-wrong-body-notfound", input.bytes))
        // A block pushed unasked on a chain with less work: a nuisance, nothing stored.
        input = Input(setup: handshake)
        input.op(fork, 30, 2, 0x02)
        input.op(serve, 0x00, 0x00)
        input.op(serve, 0x01, 0x01)
        seeds.append(("handshake-unrequested-low-work-blocks", input.bytes))

        // The handshake's order: verack first, then more than 400 bytes (malformed); the same after
        // verack, version; verack, version, verack lifts the limit (one write); 400 and 401 bytes
        // before the handshake; an inv of 12 entries.
        for (name, variant, size) in [
            ("verack-then-401-bytes", UInt8(0x00), UInt8(0)), ("verack-version-then-420-bytes", 0x01, 19),
            ("version-then-inv-of-12", 0x0A, 0), ("verack-version-verack-then-500-bytes-one-write", 0x07, 99),
            ("version-then-400-bytes", 0x12, 0), ("version-then-401-bytes", 0x1A, 0),
        ] {
            input = Input(setup: 0)
            input.op(handshakeOrMagic, variant, size)
            input.message(.ping(PingMessage(nonce: 8)))
            seeds.append(("handshake-order-\(name)", input.bytes))
        }
        // Another network's bytes, before the handshake (no penalty, no ban) and after it.
        for (name, variant) in [
            ("main-network-ping", UInt8(0x80)), ("http-request", 0x81), ("other-magic", 0x82), ("tls-hello", 0x83),
        ] {
            input = Input(setup: 0)
            input.op(handshakeOrMagic, variant, 0x42)
            seeds.append(("wrong-magic-before-handshake-\(name)", input.bytes))
        }
        input = Input(setup: handshake)
        input.op(handshakeOrMagic, 0x80, 0x00)
        seeds.append(("handshake-wrong-magic-after-handshake", input.bytes))

        // Orphans by wtxid: a child and its copy with a broken signature, either order, then the
        // parent; headers that do not connect, 12 in a row (8 answered, then nuisances).
        input = Input(setup: handshake)
        input.op(extended, 0x00, 0x01)
        input.op(extended, 0x02, 0x02)
        input.message(.mempool)
        seeds.append(("handshake-orphans-by-wtxid", input.bytes))
        input = Input(setup: handshake | 0x04)
        input.op(extended, 0x01, 11)
        input.message(.ping(PingMessage(nonce: 9)))
        seeds.append(("handshake-unconnected-headers", input.bytes))
        return seeds
    }

    /// Seeds of the compact-block operations of issue #14 (operation 31, `0xC0` up).
    static func compactSeeds() -> [(String, [UInt8])] {
        let sendcmpct: UInt8 = 0
        let elsewhere: UInt8 = 1
        let cmpctblock: UInt8 = 2
        let blocktxn: UInt8 = 3
        let getdata4: UInt8 = 4
        let getblocktxn: UInt8 = 5
        let version: UInt8 = 7
        let watcher: UInt8 = 8
        var seeds: [(String, [UInt8])] = []
        var input: Input

        // sendcmpct announce 1: a block from elsewhere (holding a transaction of the mempool) is
        // pushed as cmpctblock; announce 0, or announce 1 of compact version 2: its headers.
        input = Input(setup: handshake)
        input.op(buildTx, 0x00, 0x00, 0x04)
        input.compact(sendcmpct, 0x01)
        input.compact(elsewhere, 0x07)
        input.compact(sendcmpct, 0x00)
        input.compact(elsewhere, 0x00)
        input.compact(sendcmpct, 0x07)
        input.compact(elsewhere, 0x00)
        seeds.append(("handshake-compact-sendcmpct-pushes-or-headers", input.bytes))

        // A cmpctblock of 4 new transactions, 2 sent first: getblocktxn for positions 3 and 4, then
        // blocktxn with them (the block is the tip); the same with the last prefilled; with all sent.
        for (name, shape) in [("two-of-four-sent", UInt8(0x14)), ("last-prefilled", 0x54), ("all-sent", 0x24)] {
            input = Input(setup: handshake)
            input.compact(cmpctblock, 0x00, shape, 0x00)
            input.compact(blocktxn, 0x00)
            input.message(.mempool)
            seeds.append(("handshake-compact-rebuild-\(name)", input.bytes))
        }
        // The blocktxn answers that are wrong: one fewer, one more (protocol violations), a wrong
        // transaction (the whole block asked for), one nobody asked for.
        for (name, mode) in [
            ("one-fewer", UInt8(0x01)), ("one-more", 0x02), ("wrong-transaction", 0x03), ("not-asked", 0x0C),
        ] {
            input = Input(setup: handshake | 0x04)
            input.compact(cmpctblock, 0x01, 0x13, 0x00)
            input.compact(blocktxn, mode)
            input.op(serve, 0x00, 0x00)
            seeds.append(("handshake-compact-blocktxn-\(name)", input.bytes))
        }
        // Each variant of the cmpctblock: two equal short ids, proof of work not met, time before the
        // median time past, a wrong merkle root, a coinbase claiming too much, an unknown parent, the
        // wrong bits, two equal short ids without proof of work (charged: the header is checked first).
        for (name, variant) in [
            ("equal-short-ids", UInt8(3)), ("proof-of-work", 4), ("time-too-old", 5), ("merkle-root", 6),
            ("coinbase-amount", 7), ("unknown-parent", 8), ("bits", 9),
            ("equal-short-ids-proof-of-work", 10),
        ] {
            input = Input(setup: handshake | 0x04)
            input.compact(cmpctblock, 0x02, 0x12, variant)
            input.op(builtBlocks, 0x80)
            seeds.append(("handshake-compact-cmpctblock-\(name)", input.bytes))
        }
        // Asked to push (it delivered a block first), the peer pushes an invalid block: not charged.
        input = Input(setup: handshake)
        input.compact(sendcmpct, 0x00)
        input.op(buildBlock, 0x80, 0x00, 0x00)
        input.compact(cmpctblock, 0x03, 0x09, 0x07)
        input.compact(cmpctblock, 0x04, 0x00, 0x07)
        seeds.append(("handshake-compact-pushed-invalid-block", input.bytes))
        // Low bandwidth: the headers of the next block; the node asks it as cmpctblock (getdata type 4)
        // and is answered so.
        input = Input(setup: handshake)
        input.compact(sendcmpct, 0x00)
        input.op(buildBlock, 0x80, 0x80, 0x00)
        input.op(builtBlocks, 0x00)
        input.compact(cmpctblock, 0x00, 0x80, 0x00)
        input.op(fork, 0x00, 0x02, 0x00)
        input.op(serve, 0x00, 0x00)
        seeds.append(("handshake-compact-low-bandwidth", input.bytes))

        // getdata type 4 of the active chain's blocks and an unknown one, and of the harness's blocks;
        // getblocktxn of positions within a block, past its end, of an unknown block.
        input = Input(setup: handshake | 0x04)
        input.compact(getdata4, 0x6A, 0x07)
        input.op(buildTx, 0x00, 0x01, 0x04)
        input.op(buildBlock, 0x80, 0x01, 0x00)
        input.compact(getdata4, 0x80, 0x00)
        input.compact(getblocktxn, 0x80, 0x02)
        input.compact(getblocktxn, 0x05, 0x01)
        input.compact(getblocktxn, 0x05, 0x81)
        input.compact(getblocktxn, 0x05, 0x07)
        seeds.append(("handshake-compact-getdata-type-4-getblocktxn", input.bytes))

        // The four messages with payloads of every shape: valid ones, and near-misses (malformed).
        let tip = Harness.shared.initialTip
        let genesis = parameters.genesis
        let honest = CompactBlockMessage(block: genesis, nonce: 7)
        input = Input(setup: handshake | 0x04)
        input.compactFrame(.sendCompact(SendCompactMessage(announce: true, version: 9)))
        input.compactFrame(.compactBlock(honest))
        input.compactFrame(.getBlockTransactions(GetBlockTransactionsMessage(blockHash: tip, indexes: [0])))
        input.compactFrame(
            .blockTransactions(BlockTransactionsMessage(blockHash: tip, transactions: [genesis.transactions[0]])))
        input.compactFrame(
            .compactBlock(
                CompactBlockMessage(
                    header: genesis.header, nonce: 1, shortIDs: [1, 2, 3],
                    prefilledTransactions: [.init(index: 2, transaction: genesis.transactions[0])])))
        seeds.append(("handshake-compact-messages", input.bytes))
        for (name, command, payload) in [
            ("sendcmpct-bool-2", "sendcmpct", [UInt8(2)] + [UInt8](repeating: 0, count: 8)),
            ("sendcmpct-10-bytes", "sendcmpct", [UInt8](repeating: 0, count: 10)),
            ("cmpctblock-no-transaction", "cmpctblock", genesis.header.encoded + [UInt8](repeating: 0, count: 10)),
            ("getblocktxn-index-past-6316", "getblocktxn", tip.bytes + [0x01, 0xFD, 0xAC, 0x18]),
            ("blocktxn-truncated", "blocktxn", tip.bytes + [0x01, 0x01]),
        ] {
            input = Input(setup: handshake)
            input.compactFrame(command, payload)
            seeds.append(("handshake-compact-malformed-\(name)", input.bytes))
        }

        // A peer speaking version 1: offered no compact blocks, announced new blocks by headers.
        input = Input(setup: 0)
        input.compact(version, 0x00)
        input.compact(elsewhere, 0x00)
        input.compact(sendcmpct, 0x01)
        input.compact(elsewhere, 0x00)
        seeds.append(("version-1-peer-compact", input.bytes))

        // A second peer asking for pushes: the fuzzed peer's new block is pushed to it; one whose
        // header fails its proof of work must not be.
        input = Input(setup: handshake)
        input.compact(watcher)
        input.op(buildBlock, 0x80, 0x00, 0x00)
        input.compact(cmpctblock, 0x05, 0x00, 0x00)
        input.compact(elsewhere, 0x00)
        seeds.append(("handshake-compact-second-peer-pushed", input.bytes))
        // Blocks of the fuzzed peer that must not reach the second peer: without their proof of work,
        // with a time before the median time past, of no transaction (merkle root zero: sent as built,
        // and as the 81 bytes of a block message). The node once pushed them before any header check,
        // and the last trapped it (fuzz/README.md, bugs found).
        for (name, rule) in [("proof-of-work", UInt8(12)), ("time-too-old", 6), ("no-coinbase", 10)] {
            input = Input(setup: handshake)
            input.compact(watcher)
            input.op(buildBlock, 0x80, 0x00, rule)
            input.message(.ping(PingMessage(nonce: 10)))
            seeds.append(("handshake-compact-second-peer-block-\(name)", input.bytes))
        }
        var empty = Block(
            header: BlockHeader(
                version: 1, previousBlockHash: tip, merkleRoot: .zero, time: genesis.header.time + initialHeight + 1,
                bits: parameters.powLimitBits, nonce: 0), transactions: [])
        while !ProofOfWork.isSolved(empty.header) { empty.header.nonce &+= 1 }
        input = Input(setup: handshake)
        input.compact(watcher)
        input.message(.block(empty))
        input.message(.ping(PingMessage(nonce: 11)))
        seeds.append(("handshake-compact-second-peer-block-of-no-transaction", input.bytes))
        return seeds
    }

    static func header(on parent: Hash256, height: UInt32, time: UInt32, extraNonce: UInt64) -> Block {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: height, extraNonce: extraNonce, tag: Array("seed".utf8)),
            outputs: [
                TxOutput(
                    amount: Subsidy.amount(height: height, parameters: parameters),
                    address: fuzzAddress)
            ])
        return Block(
            header: BlockHeader(
                version: 1, previousBlockHash: parent, merkleRoot: MerkleTree.root([coinbase.wtxid]),
                time: time, bits: parameters.powLimitBits, nonce: 0),
            transactions: [coinbase])
    }

    static func solved(_ block: Block) -> Block { ProofOfWork.solve(block) }

    /// An `addr` of one regtest node at `ipv4`.
    static func addr(_ ipv4: UInt8...) -> Message {
        .addr(
            AddrMessage(entries: [
                AddrMessage.Entry(
                    time: 1_795_392_000, services: .network, address: NetworkAddress(ipv4: ipv4, port: 18733))
            ]))
    }

    static func write(to directory: URL) {
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, bytes) in all() {
            try! Data(bytes).write(to: directory.appendingPathComponent(name))
            print("\(name): \(bytes.count) bytes")
        }
    }
}
