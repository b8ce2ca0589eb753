import TallyWire

/// A UTXO set held in memory: for replaying a chain from genesis and for tests.
public struct MemoryCoins: CoinView {
    public private(set) var coins: [OutPoint: Coin] = [:]

    public init() {}

    public func coin(_ outpoint: OutPoint) -> Coin? { coins[outpoint] }

    public mutating func apply(_ connection: BlockConnection) {
        for (outpoint, _) in connection.spent { coins[outpoint] = nil }
        for (outpoint, coin) in connection.created { coins[outpoint] = coin }
    }
}
