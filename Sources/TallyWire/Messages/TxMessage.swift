/// `tx`: one transaction, its payload exactly the transaction's serialization (Protocol.md §3,
/// §13.4).
extension Transaction: MessagePayload {
    public static let command = "tx"
    /// No transaction fits in a block above this size.
    public static var maximumPayloadSize: Int { Block.maximumSize }
}
