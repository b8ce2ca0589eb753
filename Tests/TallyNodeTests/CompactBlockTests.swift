import Foundation
import TallyChain
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWire
import Testing

/// Compact blocks against a real `tallyd` (Protocol.md §13.10): a block rebuilt from the mempool
/// with what it lacks asked for, a short-id collision falling back to the full block, a header
/// without proof of work neither relayed nor forgiven, and a block pushed before validation that
/// turns out invalid: its creator is charged, the peer that pushed it is not.
@Suite(.serialized) struct CompactBlockTests {
    /// 105 blocks whose coinbases pay alice (the first five mature), and payments of the first four.
    struct Fixture {
        let builder: TestChain
        let chain: [Block]
        let payments: [Transaction]

        init() throws {
            let builder = try TestChain()
            let alice = TestChain.key(1)
            self.builder = builder
            chain = try builder.mine(105, payTo: TestChain.address(alice))
            payments = try (1...4).map { height in
                let coinbase = try builder.coinbase(at: UInt32(height))
                return builder.spend(
                    [(TestChain.outpoint(coinbase), alice)],
                    to: [
                        TxOutput(
                            amount: coinbase.outputs[0].amount - 10_000, address: TestChain.address(TestChain.key(2)))
                    ])
            }
        }

        /// The next block, holding every payment.
        func nextBlock() -> Block { builder.block(payments, fees: 40_000) }
    }

    /// Waits for the first message `match` takes, skipping the rest.
    static func expect<T>(
        _ client: PeerClient, _ what: String, timeout: TimeInterval = 10, _ match: (Message) -> T?
    )
        throws -> T
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let message = try? client.next(timeout: 0.2) else { continue }
            if let found = match(message) { return found }
        }
        throw PeerClient.Failure.timeout(what)
    }

    @Test func aBlockIsRebuiltFromTheMempoolAndWhatItLacksIsAskedFor() throws {
        let fixture = try Fixture()
        let node = try StrangerChainTests.node("compact-rebuild", holding: fixture.chain)
        defer { node.stop() }
        let client = try node.client()
        defer { client.close() }
        // Two of the four payments reach the mempool; the block holds all four.
        for tx in fixture.payments.prefix(2) { #expect(try client.submit(tx) == nil) }
        try waitUntil("two in the mempool", timeout: 10) { try node.status().mempoolTransactionCount == 2 }
        let block = fixture.nextBlock()

        client.send(.sendCompact(SendCompactMessage(announce: false)))
        client.send(.compactBlock(CompactBlockMessage(block: block, nonce: 42)))
        let request = try Self.expect(client, "getblocktxn") {
            if case .getBlockTransactions(let request) = $0 { request } else { nil }
        }
        // The coinbase came prefilled and payments 1 and 2 from the mempool: 3 and 4 are asked.
        #expect(request.blockHash == block.hash)
        #expect(request.indexes == [3, 4])
        client.send(.blockTransactions(BlockTransactionsMessage(answering: request, from: block)!))
        try waitUntil("the rebuilt block as the tip", timeout: 10) { try node.status().tipHash == block.hash }
        #expect(try node.status().mempoolTransactionCount == 0)
    }

    @Test func twoEqualShortIDsFallBackToTheFullBlock() throws {
        let fixture = try Fixture()
        let node = try StrangerChainTests.node("compact-collision", holding: fixture.chain)
        defer { node.stop() }
        let client = try node.client()
        defer { client.close() }
        let block = fixture.nextBlock()
        let honest = CompactBlockMessage(block: block, nonce: 7)
        // Payments 1 and 2 given one short id: nobody can tell which goes where.
        var shortIDs = honest.shortIDs
        shortIDs[1] = shortIDs[0]
        let colliding = CompactBlockMessage(
            header: block.header, nonce: 7, shortIDs: shortIDs, prefilledTransactions: honest.prefilledTransactions)

        client.send(.compactBlock(colliding))
        let asked = try Self.expect(client, "getdata for the full block") {
            if case .getData(let request) = $0 { request.inventory } else { nil }
        }
        #expect(asked == [InventoryVector(type: .block, hash: block.hash)])
        client.send(.block(block))
        try waitUntil("the full block as the tip", timeout: 10) { try node.status().tipHash == block.hash }
        // Nobody was at fault: the sender is still connected and unpunished.
        #expect(try client.status().height == 106)
    }

    @Test func aHeaderWithoutProofOfWorkIsNeitherRelayedNorForgiven() throws {
        let fixture = try Fixture()
        let node = try StrangerChainTests.node("compact-pow", holding: fixture.chain)
        defer { node.stop() }
        // A peer that asked to be pushed new blocks.
        let watcher = try node.client()
        defer { watcher.close() }
        watcher.send(.sendCompact(SendCompactMessage(announce: true)))
        let sender = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.61")
        defer { sender.close() }

        var unsolved = fixture.nextBlock()
        let target = Target.decode(bits: unsolved.header.bits)!
        while UInt256(unsolved.header.hash) <= target { unsolved.header.nonce &+= 1 }
        sender.send(.compactBlock(CompactBlockMessage(block: unsolved, nonce: 1)))
        try waitUntil("the sender disconnected", timeout: 10) {
            (try? sender.next(timeout: 0.2)) == nil && (try? sender.status(timeout: 1)) == nil
        }
        #expect(node.log.contains("banned 127.0.0.61"))
        // The same block whole: its header is checked before anything is pushed.
        let whole = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.63")
        defer { whole.close() }
        whole.send(.block(unsolved))
        try waitUntil("the second sender banned", timeout: 10) { node.log.contains("banned 127.0.0.63") }
        // A block of no transaction with a good header: refused, and nothing to push (its compact
        // form does not exist).
        var empty = Block(header: unsolved.header, transactions: [])
        empty.header.merkleRoot = empty.computedMerkleRoot
        empty = TestChain.solved(empty)
        let third = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.64")
        defer { third.close() }
        third.send(.block(empty))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try node.status().height == 105)
        // The watcher was pushed nothing for them, and is pushed the valid block once it comes.
        let valid = fixture.nextBlock()
        let client = try node.client()
        defer { client.close() }
        client.send(.block(valid))
        let pushed = try Self.expect(watcher, "a cmpctblock push") {
            if case .compactBlock(let message) = $0 { message.header.hash } else { nil }
        }
        #expect(pushed == valid.hash)
    }

    @Test func aPeerPushingAnInvalidBlockBeforeValidatingItIsNotChargedItsCreatorIs() throws {
        let fixture = try Fixture()
        let b = try StrangerChainTests.node("compact-relayer", holding: fixture.chain)
        defer { b.stop() }
        let c = try StrangerChainTests.node("compact-receiver", holding: fixture.chain, extra: ["--peer", b.target])
        defer { c.stop() }
        try waitUntil("c connected to b", timeout: 10) { try c.status().peers.count == 1 }

        // B delivers a block to C first: C asks B to push from now on.
        let valid = fixture.builder.block(tag: "valid")
        _ = try fixture.builder.chain.acceptBlock(valid)
        let feeder = try b.client()
        defer { feeder.close() }
        feeder.send(.block(valid))
        try waitUntil("c on the valid block", timeout: 10) { try c.status().tipHash == valid.hash }
        try waitUntil("c asked b for pushes", timeout: 10) { c.log.contains("asked to push compact blocks") }
        Thread.sleep(forTimeInterval: 0.5)

        // A block whose coinbase claims more than it may: its header and proof of work are fine.
        let invalid = fixture.builder.block(fees: 1_000_000, tag: "overpaid")
        let creator = try PeerClient(host: "127.0.0.1", port: b.port, network: .regtest, bindTo: "127.0.0.62")
        defer { creator.close() }
        creator.send(.block(invalid))
        try waitUntil("c rebuilt and refused the pushed block", timeout: 10) {
            c.log.contains("pushed block \(invalid.hash) before validating it")
        }
        // B charged the creator; C kept B, unpunished; both stay on the valid block.
        try waitUntil("b banned the creator", timeout: 10) { b.log.contains("banned 127.0.0.62") }
        let peersOfC = try c.status().peers
        #expect(peersOfC.count == 1 && peersOfC.allSatisfy { $0.banScore == 0 }, "\(peersOfC)")
        #expect(try c.status().tipHash == valid.hash)
        #expect(try b.status().tipHash == valid.hash)
    }
}
