import TallyCrypto
import TallyWire

/// Blocks whose parent is not known yet, held until it arrives. Bounded in count and bytes; the
/// oldest leaves first. `ChainState` admits only blocks whose header proves its own work (R1), so
/// filling the pool costs real work.
struct OrphanBlocks {
    let maximumCount: Int
    let maximumBytes: Int
    private var blocks: [Hash256: Block] = [:]
    private var arrival: [Hash256] = []
    private var bytes = 0

    init(maximumCount: Int = 64, maximumBytes: Int = 16 << 20) {
        self.maximumCount = maximumCount
        self.maximumBytes = maximumBytes
    }

    var count: Int { blocks.count }

    func contains(_ hash: Hash256) -> Bool { blocks[hash] != nil }

    mutating func add(_ block: Block, hash: Hash256) {
        guard blocks[hash] == nil else { return }
        blocks[hash] = block
        arrival.append(hash)
        bytes += block.size
        while blocks.count > maximumCount || bytes > maximumBytes, let oldest = arrival.first {
            _ = remove(oldest)
        }
    }

    mutating func remove(_ hash: Hash256) -> Block? {
        guard let block = blocks.removeValue(forKey: hash) else { return nil }
        arrival.removeAll { $0 == hash }
        bytes -= block.size
        return block
    }

    /// Takes out every orphan whose parent is `parent`.
    mutating func takeChildren(of parent: Hash256) -> [Block] {
        let hashes = arrival.filter { blocks[$0]?.header.previousBlockHash == parent }
        return hashes.compactMap { remove($0) }
    }

    /// The first ancestor of an orphan that is itself missing: what to ask peers for.
    func missingRoot(of hash: Hash256) -> Hash256 {
        var current = hash
        while let block = blocks[current] { current = block.header.previousBlockHash }
        return current
    }
}
