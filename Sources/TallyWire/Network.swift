import TallyCrypto

/// The two Tally networks. Each has its own magic bytes, ports, address prefix and genesis block, so
/// neither its messages, its addresses nor its signatures are accepted on the other.
public enum Network: String, Sendable, CaseIterable, Codable {
    case main
    case regtest

    /// The four bytes that open every message on the wire.
    public var magic: [UInt8] {
        switch self {
        case .main: [0xD9, 0xA1, 0x7E, 0x54]
        case .regtest: [0xFA, 0x1B, 0xC0, 0x5E]
        }
    }

    public var defaultPort: UInt16 {
        switch self {
        case .main: 8733
        case .regtest: 18733
        }
    }

    public var defaultDiscoveryPort: UInt16 {
        switch self {
        case .main: 8734
        case .regtest: 18734
        }
    }

    public var addressPrefix: String {
        switch self {
        case .main: "tly"
        case .regtest: "tlyrt"
        }
    }

    public var parameters: ChainParameters {
        switch self {
        case .main: .main
        case .regtest: .regtest
        }
    }
}

/// How the target of the next block is set.
public enum DifficultyRule: Sendable, Equatable {
    /// Every block uses the proof-of-work limit.
    case fixed
    /// Exponential adjustment whose schedule starts at block 1 (Protocol.md §7): each block moves
    /// its parent's target by the parent's interval, doubling it for every `halfLife` seconds the
    /// chain runs behind one block per `spacing` seconds. No interval counts for more than
    /// `intervalCap` seconds, so a block dated in the past cannot buy the chain a run of easy blocks.
    case asert(spacing: Int64, halfLife: Int64, intervalCap: Int64)
}

/// The consensus constants of one network (Protocol.md, "Networks").
public struct ChainParameters: Sendable {
    public let network: Network
    public let genesis: Block
    /// The easiest target allowed, in compact form.
    public let powLimitBits: UInt32
    public let difficulty: DifficultyRule
    public let halvingInterval: UInt32

    public let coinbaseMaturity: UInt32 = 100
    public let maximumFutureBlockTime: UInt32 = 120
    public let medianTimeSpan = 11
    public static let coin: UInt64 = 100_000_000
    public static let initialSubsidy: UInt64 = 50 * coin
    public static let maximumMoney: UInt64 = 21_000_000 * coin

    public var genesisHash: Hash256 { genesis.hash }

    public static let main = ChainParameters(
        network: .main,
        genesis: genesisBlock(bits: 0x1e00_ffff, nonce: 4_116_329),
        powLimitBits: 0x1f00_ffff,
        difficulty: .asert(spacing: 10, halfLife: 100, intervalCap: 60),
        halvingInterval: 210_000)

    public static let regtest = ChainParameters(
        network: .regtest,
        genesis: genesisBlock(bits: 0x207f_ffff, nonce: 0),
        powLimitBits: 0x207f_ffff,
        difficulty: .fixed,
        halvingInterval: 150)

    /// The genesis coinbase pays 50 coins to the all-zero address hash; it is never added to the UTXO
    /// set, so those coins cannot be spent (as in Bitcoin).
    static func genesisBlock(bits: UInt32, nonce: UInt32) -> Block {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 0, tag: Array("Tally genesis 2026".utf8)),
            outputs: [TxOutput(amount: initialSubsidy, address: AddressHash(bytes: [UInt8](repeating: 0, count: 20))!)])
        let header = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: MerkleTree.root([coinbase.wtxid]),
            time: 1_795_392_000, bits: bits, nonce: nonce)
        return Block(header: header, transactions: [coinbase])
    }
}
