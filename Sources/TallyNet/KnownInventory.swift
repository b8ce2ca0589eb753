import TallyCrypto

/// The inventory one peer has or was told of, so that nothing is announced to it twice (Core's
/// rolling filter of known inventory, in small). Each hash is kept as its first 64 bits: hashes are
/// SHA-256 output, so nobody can make a new one share them with a given hash (a second preimage of
/// 64 bits), and a set of them costs a quarter of a set of whole hashes — a hub with dozens of peers
/// remembers thousands of transactions for each. Two generations bound it: once the newer
/// holds `generationSize`, the older is forgotten and the newer takes its place (Protocol.md §13.8).
struct KnownInventory: Sendable {
    let generationSize: Int
    private var newer = Set<UInt64>()
    private var older = Set<UInt64>()

    init(generationSize: Int) { self.generationSize = generationSize }

    /// At most twice the generation size.
    var count: Int { newer.count + older.count }

    func contains(_ hash: Hash256) -> Bool { newer.contains(hash.w0) || older.contains(hash.w0) }

    mutating func insert(_ hash: Hash256) {
        guard !contains(hash) else { return }
        if newer.count >= generationSize {
            older = newer
            newer = Set(minimumCapacity: generationSize)
        }
        newer.insert(hash.w0)
    }
}
