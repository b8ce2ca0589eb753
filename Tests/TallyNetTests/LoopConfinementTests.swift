import Foundation
import Logging
import NIOCore
import TallyChain
import TallyCrypto
import TallyWire
import Testing

@testable import TallyNet

/// A node that knows nothing: enough for a network that is never started.
final class EmptyNode: NodeServices {
    func summary() -> ChainSummary {
        ChainSummary(
            height: 0, tipHash: .zero, chainWork: ChainWork(bigEndianBytes: [UInt8](repeating: 0, count: 32))!,
            bestHeaderHeight: 0, syncing: false, mempoolCount: 0, mempoolBytes: 0, mining: false, hashRate: 0, uptime: 0
        )
    }
    func locator() -> [Hash256] { [] }
    func acceptHeaders(_ headers: [BlockHeader], workProven: Bool) -> HeadersOutcome { .nodeFailure }
    func checkHeader(_ header: BlockHeader) -> HeadersOutcome { .nodeFailure }
    func countHeaders(_ headers: [BlockHeader], following previous: Hash256) -> HeaderCount { .unlinked }
    func missingBlocks(limit: Int) -> [(hash: Hash256, height: UInt32)] { [] }
    func submitBlock(_ block: Block, encoded: [UInt8], requested: Bool, checked: BlockChecks.Done) -> BlockOutcome {
        .nodeFailure
    }
    func submitTransactions(_ batch: [(peer: Int, tx: Transaction)]) -> [TransactionOutcome] {
        batch.map { _ in .known }
    }
    func headers(after locator: [Hash256], stop: Hash256, limit: Int) -> [BlockHeader] { [] }
    func blockHashes(after locator: [Hash256], stop: Hash256, limit: Int) -> [Hash256] { [] }
    func block(_ hash: Hash256) -> Block? { nil }
    func hasBlock(_ hash: Hash256) -> Bool { false }
    func fillFromMempool(_ reconstruction: BlockReconstruction) -> BlockReconstruction { reconstruction }
    func transaction(_ txid: Hash256) -> Transaction? { nil }
    func mempoolTransactionIDs() -> [Hash256] { [] }
    func unknown(blocks: [Hash256], transactions: [Hash256]) -> (blocks: [Hash256], transactions: [Hash256]) {
        (blocks, transactions)
    }
}

/// The network's state is bound to its event loop, and the binding is checked at run time: the
/// compiler keeps non-`Sendable` state from crossing threads, the check catches what it cannot see.
@Suite struct LoopConfinementTests {
    @Test func theNetworkStateIsReachableOnItsLoop() throws {
        let network = PeerNetwork(
            configuration: NetworkConfiguration(network: .regtest), services: EmptyNode(), logger: Logger(label: "test")
        )
        defer { network.stop() }
        let count = try network.loop.submit { network.manager.value.peers.count }.wait()
        #expect(count == 0)
        #expect(network.readyPeerCount == 0)
    }

    @Test func touchingTheNetworkStateFromAnotherThreadTraps() async {
        await #expect(processExitsWith: .failure) {
            let network = PeerNetwork(
                configuration: NetworkConfiguration(network: .regtest), services: EmptyNode(),
                logger: Logger(label: "test"))
            // Not on the network's event loop: the precondition of its loop binding stops the process.
            _ = network.manager.value.peers.count
        }
    }
}
