import TallyCrypto
import TallyWire

/// Transactions and blocks of random bytes, for tests of codecs and relay: they encode, decode and
/// hash like any others but spend and sign nothing, so no rule of Protocol.md §5 holds for them.
extension Transaction {
    public static func random(
        inputs: ClosedRange<Int> = 1...3, outputs: ClosedRange<Int> = 1...3,
        using random: inout some RandomNumberGenerator
    ) -> Transaction {
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        return Transaction(
            version: 1,
            inputs: (0..<Int.random(in: inputs, using: &random)).map { _ in
                TxInput(
                    outpoint: OutPoint(
                        txid: Hash256(bytes: bytes(32)), index: UInt32.random(in: 0...9, using: &random)),
                    publicKey: bytes(32), signature: bytes(64))
            },
            outputs: (0..<Int.random(in: outputs, using: &random)).map { _ in
                TxOutput(
                    amount: UInt64.random(in: 1...5_000_000_000, using: &random),
                    address: AddressHash(bytes: bytes(20))!)
            })
    }
}

extension Block {
    /// A block of `transactions` (the first, by convention, its coinbase) whose header commits to them.
    public static func random(of transactions: [Transaction], using random: inout some RandomNumberGenerator) -> Block {
        let header = BlockHeader(
            version: 1,
            previousBlockHash: Hash256(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }),
            merkleRoot: MerkleTree.root(transactions.map(\.wtxid)),
            time: UInt32.random(in: 0...UInt32.max, using: &random),
            bits: 0x207f_ffff, nonce: UInt32.random(in: 0...UInt32.max, using: &random))
        return Block(header: header, transactions: transactions)
    }
}
