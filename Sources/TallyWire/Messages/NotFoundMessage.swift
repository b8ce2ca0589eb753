/// `notfound`: the entries of a `getdata` that the sender does not have (Protocol.md §13.4).
/// Layout: count(inventory vectors) ≤ 50,000.
public struct NotFoundMessage: InventoryListPayload {
    public static let command = "notfound"

    public let inventory: [InventoryVector]

    public init(inventory: [InventoryVector]) {
        checkCount(inventory.count, Self.maximumCount, Self.command)
        self.inventory = inventory
    }
}
