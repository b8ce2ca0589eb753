import Foundation
import TallyNet
import TallyWire

/// The probe's answer, as text for people and as JSON for scripts.
struct ProbeReport: Encodable {
    struct PeerEntry: Encodable {
        let address: String
        let inbound: Bool
        let userAgent: String
        let height: Int32
        let banScore: UInt32
    }

    let userAgent: String
    let protocolVersion: Int32
    let network: String
    let height: UInt32
    let tip: String
    let work: String
    let bestHeaderHeight: UInt32
    let peers: [PeerEntry]
    let mempool: UInt32
    let mempoolBytes: UInt64
    let mining: Bool
    let hashrate: UInt64
    let syncing: Bool
    let uptime: UInt64
    /// The current difficulty: the bits the next block must carry and the hashes that takes.
    let nextBits: String?
    let hashesPerBlock: Double?
    /// The last `recentBlocks` blocks: their mean spacing (s) and the hash rate their work implies.
    let recentBlocks: Int?
    let meanSpacing: Double?
    let impliedHashRate: Double?

    init(_ result: Probe.Result, network: Network) {
        let status = result.status
        userAgent = result.version.userAgent
        protocolVersion = result.version.protocolVersion
        self.network = network.rawValue
        height = status.height
        tip = status.tipHash.description
        work = status.chainWork.description
        bestHeaderHeight = status.bestHeaderHeight
        peers = status.peers.map {
            PeerEntry(
                address: $0.address.description, inbound: $0.inbound, userAgent: $0.userAgent, height: $0.startHeight,
                banScore: $0.banScore)
        }
        mempool = status.mempoolTransactionCount
        mempoolBytes = status.mempoolBytes
        mining = status.mining
        hashrate = status.hashRate
        syncing = status.syncing
        uptime = status.uptime
        nextBits = result.pace.map { String(format: "%08x", $0.nextBits) }
        hashesPerBlock = result.pace?.hashesPerBlock
        recentBlocks = result.pace?.blocks
        meanSpacing = result.pace?.meanSpacing
        impliedHashRate = result.pace?.impliedHashRate
    }

    private var paceLine: String {
        guard let nextBits, let hashesPerBlock, let recentBlocks else { return "" }
        var line = "difficulty \(nextBits) (\(String(format: "%.3g", hashesPerBlock)) hashes a block)"
        if let meanSpacing {
            line += "  last \(recentBlocks) blocks \(String(format: "%.1f", meanSpacing)) s apart"
            if let impliedHashRate { line += " (\(String(format: "%.0f", impliedHashRate)) H/s by their work)" }
        }
        return line
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    var text: String {
        var lines = [
            "\(userAgent) protocol \(protocolVersion) on \(network), up \(uptime) s",
            "height \(height)  tip \(tip)",
            "work \(work)\(syncing ? "  syncing to \(bestHeaderHeight)" : "")",
            "mempool \(mempool) tx (\(mempoolBytes) bytes)  mining \(mining ? "yes, \(hashrate) H/s" : "no")",
            paceLine,
            "peers \(peers.count)",
        ]
        lines.removeAll(where: \.isEmpty)
        lines += peers.map {
            "  \($0.inbound ? "in " : "out") \($0.address)  \($0.userAgent)  height \($0.height)  ban score \($0.banScore)"
        }
        return lines.joined(separator: "\n")
    }
}
