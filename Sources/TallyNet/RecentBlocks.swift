import TallyCrypto
import TallyWire

/// The last few blocks the node pushed or announced, kept whole: peers rebuilding them ask for their
/// transactions (`getblocktxn`) within milliseconds, often before the node has connected and
/// stored them, and the answer should not wait for the chain (Core keeps its most recent block for
/// the same reason). Oldest out.
public struct RecentBlocks: Sendable {
    public let capacity: Int
    private var blocks: [Block] = []

    public init(capacity: Int) { self.capacity = capacity }

    public mutating func add(_ block: Block) {
        guard capacity > 0, !blocks.contains(where: { $0.hash == block.hash }) else { return }
        if blocks.count == capacity { blocks.removeFirst() }
        blocks.append(block)
    }

    public subscript(hash: Hash256) -> Block? { blocks.last { $0.hash == hash } }
}
