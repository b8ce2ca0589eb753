/// `inv`: announces transactions or blocks the sender has (Protocol.md §13.4).
/// Layout: count(inventory vectors) ≤ 50,000.
public struct InvMessage: InventoryListPayload {
    public static let command = "inv"

    public let inventory: [InventoryVector]

    public init(inventory: [InventoryVector]) {
        checkCount(inventory.count, Self.maximumCount, Self.command)
        self.inventory = inventory
    }
}
