/// The JSON bodies of the HTTP API, one type per schema of openapi.json (same names, same fields).
/// Optional fields are left out when nil.
enum APIModel {
    struct Error: Codable { let error: String }

    struct ChainSummary: Codable {
        let network: String
        let height: UInt32
        let tipHash: String
        let chainWork: String
        let bestHeaderHeight: UInt32
        let syncing: Bool
        let mempoolCount: Int
        let mempoolBytes: Int
        let mining: Bool
        let hashRate: UInt64
        let peerCount: Int
        let uptime: UInt64
        let indexedHeight: Int64
        /// The bits the next block must carry, as 8 hex digits, and the hashes it takes on average.
        let nextBits: String
        let hashesPerBlock: Double
        /// The last `recentBlocks` blocks: their mean spacing (s) and the hash rate their work implies.
        let recentBlocks: Int
        let meanSpacing: Double?
        let impliedHashRate: Double?
    }

    struct BlockSummary: Codable {
        let hash: String
        let height: UInt32
        let time: UInt32
        let transactionCount: Int
        let size: Int
        let previousHash: String
    }

    struct BlockPage: Codable {
        let blocks: [BlockSummary]
        let nextBefore: UInt32?
    }

    struct Block: Codable {
        let hash: String
        let height: UInt32
        let time: UInt32
        let transactionCount: Int
        let size: Int
        let previousHash: String
        let nextHash: String?
        let version: UInt32
        let merkleRoot: String
        let bits: String
        let nonce: UInt32
        let confirmations: UInt32
        let active: Bool
        let transactions: [TransactionSummary]
    }

    struct TransactionSummary: Codable {
        let txid: String
        let size: Int
        let coinbase: Bool
        let outputTotal: UInt64
    }

    struct Transaction: Codable {
        let txid: String
        let wtxid: String
        let size: Int
        let coinbase: Bool
        let blockHash: String?
        let height: UInt32?
        let time: UInt32?
        let confirmations: UInt32
        let inMempool: Bool
        let fee: UInt64?
        let outputTotal: UInt64
        let inputs: [Input]
        let outputs: [Output]
    }

    struct Input: Codable {
        let txid: String
        let index: UInt32
        let address: String?
        let amount: UInt64?
    }

    struct Output: Codable {
        let index: Int
        let address: String
        let amount: UInt64
        let spentBy: String?
    }

    struct RawTransaction: Codable { let hex: String }
    struct Submitted: Codable { let txid: String }

    struct Address: Codable {
        let address: String
        let balance: UInt64
        let received: UInt64
        let sent: UInt64
        let transactionCount: Int
        let indexedHeight: Int64
        let history: [AddressEntry]
    }

    struct AddressEntry: Codable {
        let txid: String
        let height: UInt32
        let change: Int64
    }

    struct Mempool: Codable {
        let count: Int
        let bytes: Int
        let transactions: [MempoolEntry]
    }

    struct MempoolEntry: Codable {
        let txid: String
        let size: Int
        let fee: UInt64
        let feeRate: UInt64
    }

    struct PeerList: Codable { let peers: [Peer] }

    struct Peer: Codable {
        let address: String
        let inbound: Bool
        let userAgent: String
        let startHeight: Int32
        let banScore: Int
    }

    struct PeerTarget: Codable { let address: String }
    struct Disconnected: Codable {
        let address: String
        let disconnected: Int
    }

    struct Mining: Codable {
        let mining: Bool
        let threads: Int
        let hashRate: UInt64
    }

    struct MiningRequest: Codable {
        let enabled: Bool
        let threads: Int?
        /// Mine this many blocks, then stop (not given: until told to stop).
        let blocks: Int?
    }

    struct SearchResult: Codable {
        let kind: String
        let id: String
    }
}
