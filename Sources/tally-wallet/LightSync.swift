import Foundation
import TallyChain
import TallyCommandLine
import TallyCrypto
import TallyNet
import TallyWallet
import TallyWire

/// Light-client sync: headers from the node, checked for linkage, proof of work and the difficulty
/// rule; the blocks not yet scanned; then the node's mempool (pending payments) and a rebroadcast of
/// what this wallet sent and is not mined yet.
struct LightSync {
    let client: PeerClient
    let network: Network

    struct Report: Codable {
        var height: UInt32
        var tip: String
        /// Distinct blocks read into the wallet (a rescan reads some again; they count once).
        var blocksScanned: Int
        var rescanned: Bool
        /// This wallet's unmined payments sent to the node again, and how many it took.
        var rebroadcast: Int
        var rebroadcastAccepted: Int
        /// Unmined payments the node would not take: abandon them to release their coins.
        var refused: [Refusal]
        /// The wallet's balances after the sync (filled in by the command that prints the report).
        var balances: BalanceRow?
    }

    struct Refusal: Codable {
        var txid: String
        var reason: String
    }

    /// Brings `state` up to the node's tip. A wallet whose last scanned block left the node's chain
    /// (a reorganisation) is rescanned from genesis.
    func run(_ state: inout WalletState, master: HDKey) throws -> Report {
        let parameters = network.parameters
        let headers = try client.headers(after: [parameters.genesisHash])
        try Self.verify(headers, parameters: parameters)
        var report = Report(
            height: UInt32(headers.count), tip: (headers.last?.hash ?? parameters.genesisHash).description,
            blocksScanned: 0, rescanned: false, rebroadcast: 0, rebroadcastAccepted: 0, refused: [])
        var scanned = Set<Int>()
        if let tip = state.scannedTip, let height = state.scannedHeight,
            height == 0 || Int(height) > headers.count || headers[Int(height) - 1].hash != tip
        {
            WalletScanner.reset(&state)
            report.rescanned = true
        }
        // Scan; if look-ahead addresses had to be added (money found near the end of the gap), the
        // blocks before may pay them too: scan again from genesis.
        var passes = 0
        repeat {
            passes += 1
            if passes > 1 {
                WalletScanner.reset(&state)
                report.rescanned = true
            }
            let start = Int(state.scannedHeight ?? 0)
            for chunk in stride(from: start, to: headers.count, by: 64) {
                let slice = Array(headers[chunk..<min(chunk + 64, headers.count)])
                for (offset, block) in try client.blocks(slice.map(\.hash)).enumerated() {
                    guard block.computedMerkleRoot == block.header.merkleRoot else {
                        throw CommandFailure.badAnswer(
                            "the node sent block \(block.hash) whose transactions do not match its header: use another --node"
                        )
                    }
                    WalletScanner.apply(block, height: UInt32(chunk + offset + 1), to: &state)
                    scanned.insert(chunk + offset + 1)
                }
            }
        } while try state.extendLookahead(master: master, network: network) && passes < 50
        report.blocksScanned = scanned.count

        // Unconfirmed payments to or from us, then our own unmined payments sent again.
        let mempool = Set(try client.mempool())
        let mined = { (hex: String) -> Bool in
            guard let bytes = Hex.decode(hex), let tx = try? Transaction(decoding: bytes) else { return true }
            return state.history.contains { $0.txid == tx.txid && $0.height != nil }
        }
        state.pending.removeAll(where: mined)
        state.unbroadcast.removeAll(where: mined)
        let unknown = mempool.filter { txid in !state.history.contains { $0.txid == txid } }
        if !unknown.isEmpty {
            client.send(.getData(GetDataMessage(inventory: unknown.map(InventoryVector.transaction))))
            var remaining = unknown
            while !remaining.isEmpty {
                switch try client.next(timeout: 5, waitingFor: "mempool transactions") {
                case .tx(let tx):
                    remaining.remove(tx.txid)
                    WalletScanner.applyPending(tx, to: &state)
                case .notFound(let missing):
                    missing.inventory.forEach { remaining.remove($0.hash) }
                default: break
                }
            }
        }
        for tx in state.outgoingTransactions {
            if mempool.contains(tx.txid) {
                state.markSent(tx.txid)
                continue
            }
            report.rebroadcast += 1
            switch try sendForVerdict(tx, client: client) {
            case .accepted:
                report.rebroadcastAccepted += 1
                state.markSent(tx.txid)
            case let verdict:
                report.refused.append(Refusal(txid: tx.txid.description, reason: verdict.explanation))
            }
        }
        return report
    }

    /// Each header links to the one before, carries the bits the difficulty rule demands, and its
    /// hash meets its target: a node cannot feed the wallet a chain it did not mine.
    static func verify(_ headers: [BlockHeader], parameters: ChainParameters) throws {
        var previous = parameters.genesis.header
        var beforePrevious = previous
        for (offset, header) in headers.enumerated() {
            let height = UInt32(offset + 1)
            guard header.previousBlockHash == previous.hash else {
                throw CommandFailure.badAnswer(
                    "the node's header \(height) does not link to the one before it: use another --node")
            }
            let required = Difficulty.requiredBits(
                height: height, parentBits: previous.bits, parentTime: previous.time,
                grandparentTime: beforePrevious.time, parameters: parameters)
            guard header.bits == required,
                let target = Target.decode(bits: header.bits), !(target < UInt256(header.hash))
            else {
                throw CommandFailure.badAnswer(
                    "the node's header \(height) fails its proof of work: use another --node")
            }
            beforePrevious = previous
            previous = header
        }
    }
}
