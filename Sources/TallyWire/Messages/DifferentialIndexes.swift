// Transaction indexes as `cmpctblock` and `getblocktxn` write them (Protocol.md §13.10, BIP 152):
// each is the distance from the position after the previous one, so a list decodes strictly
// increasing whatever its bytes, and a bound checked on each index keeps them all in range.

extension ByteReader {
    /// Reads the index that follows a list whose next free position is `next` (0 for the first),
    /// refusing one at or past `bound`.
    mutating func readDifferentialIndex(from next: Int, below bound: Int) throws(WireError) -> Int {
        let distance = try readCompactSize()
        guard distance < UInt64(bound - next) else {
            throw .invalidValue("transaction index \(distance) past position \(next) is not below \(bound)")
        }
        return next + Int(distance)
    }
}

extension ByteWriter {
    /// Writes `index`, which must not precede `next`, the position after the previous index.
    mutating func writeDifferentialIndex(_ index: Int, from next: Int) {
        precondition(index >= next, "transaction indexes must be strictly increasing")
        writeCompactSize(index - next)
    }
}

/// Traps unless `indexes` increase strictly from 0 up and stay below `bound`: a message built by this
/// node must be one its peers can decode.
func checkIndexes(_ indexes: some Sequence<Int>, below bound: Int, _ what: String) {
    var next = 0
    for index in indexes {
        precondition(index >= next && index < bound, "\(what): index \(index) out of order or not below \(bound)")
        next = index + 1
    }
}
