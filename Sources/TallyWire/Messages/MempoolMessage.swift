/// `mempool`: asks for the txids in the receiver's mempool, answered by `inv` messages of at most
/// 50,000 entries each (Protocol.md §13.4). Empty.
public struct MempoolMessage: EmptyPayload {
    public static let command = "mempool"
    public init() {}
}
