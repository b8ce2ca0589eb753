/// `block`: one block, its payload exactly the block's serialization (Protocol.md §4, §13.4).
extension Block: MessagePayload {
    public static let command = "block"
    /// A larger block breaks rule R8.
    public static var maximumPayloadSize: Int { maximumSize }
}
