/// `getdata`: asks for the transactions or blocks listed, answered by `tx` and `block` messages
/// (Protocol.md §13.4). Layout: count(inventory vectors) ≤ 50,000.
public struct GetDataMessage: InventoryListPayload {
    public static let command = "getdata"

    public let inventory: [InventoryVector]

    public init(inventory: [InventoryVector]) {
        checkCount(inventory.count, Self.maximumCount, Self.command)
        self.inventory = inventory
    }
}
