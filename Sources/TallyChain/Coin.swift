import TallyWire

/// An unspent output as the UTXO set keeps it.
public struct Coin: Hashable, Sendable {
    public var output: TxOutput
    /// Height of the block that created it.
    public var height: UInt32
    public var isCoinbase: Bool

    public init(output: TxOutput, height: UInt32, isCoinbase: Bool) {
        self.output = output
        self.height = height
        self.isCoinbase = isCoinbase
    }
}

/// Read access to a set of unspent outputs: the chain's, or the chain's plus the mempool's.
public protocol CoinView {
    func coin(_ outpoint: OutPoint) throws -> Coin?
}
