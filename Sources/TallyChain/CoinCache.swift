import TallyWire

/// The UTXO set's recent reads and changes, held in memory between writes to the store (Bitcoin
/// Core's coins cache): a coin created and spent between two flushes never touches the disk, and a
/// coin read when its transaction entered the mempool is not read again when its block connects.
/// Pure bookkeeping; `ChainState` decides when to flush and writes the changes.
struct CoinCache {
    private struct Entry {
        /// nil: not unspent (spent since the last flush, or known absent from the store).
        var coin: Coin?
        /// The store does not hold this outpoint: spending it needs no write.
        var fresh: Bool
        /// Differs from the store: written at the next flush.
        var dirty: Bool
    }

    private var entries: [OutPoint: Entry]

    /// A table made for `capacity` entries at once, so that it is never grown — copied whole into
    /// one twice its size — while a block connects. It is filled once and emptied, so that its pages
    /// are in memory from the start: otherwise the first blocks a node connects each take a page
    /// fault for most entries they place (at a 100-host run's first block, ~60 ms of the machine's
    /// CPU, a tenth of the block's time to reach every host).
    init(capacity: Int = 0) {
        entries = Dictionary(minimumCapacity: capacity)
        for index in 0..<UInt32(capacity) {
            entries[OutPoint(txid: .zero, index: index)] = Entry(coin: nil, fresh: false, dirty: false)
        }
        entries.removeAll(keepingCapacity: true)
    }

    /// Entries held, read or changed: what the cache's memory grows with.
    var count: Int { entries.count }

    /// `.some(coin)` when the cache knows the outpoint (`coin` nil: not unspent), nil when the store
    /// must be asked.
    func lookup(_ outpoint: OutPoint) -> Coin?? {
        entries[outpoint].map(\.coin)
    }

    /// Whether the cache knows the outpoint (unspent or not), without copying its coin.
    func knows(_ outpoint: OutPoint) -> Bool { entries.index(forKey: outpoint) != nil }

    /// Keeps what the store said about `outpoint` (nil: absent), unless the cache knows better.
    mutating func remember(_ outpoint: OutPoint, _ coin: Coin?) {
        if entries[outpoint] == nil { entries[outpoint] = Entry(coin: coin, fresh: false, dirty: false) }
    }

    /// Applies a connected block's effect. Each outpoint is hashed once (`Dictionary`'s in-place
    /// access): connecting a block of warm transactions is mostly this bookkeeping.
    mutating func apply(_ connection: BlockConnection) {
        for (outpoint, _) in connection.spent {
            CoinCache.update(&entries[outpoint]) { entry in
                entry = entry?.fresh == true ? nil : Entry(coin: nil, fresh: false, dirty: true)
            }
        }
        for (outpoint, coin) in connection.created {
            CoinCache.update(&entries[outpoint]) { entry in
                // A new transaction's outpoint is not in the store, unless the cache saw it spent from there.
                let spentFromStore = entry.map { $0.dirty && !$0.fresh } ?? false
                entry = Entry(coin: coin, fresh: !spentFromStore, dirty: true)
            }
        }
    }

    private static func update(_ entry: inout Entry?, _ body: (inout Entry?) -> Void) { body(&entry) }

    /// What the store must write to match the cache: a coin to put, or nil to delete.
    var changes: [(OutPoint, Coin?)] {
        entries.compactMap { outpoint, entry in entry.dirty ? (outpoint, entry.coin) : nil }
    }

    /// Called once the changes are written: every entry is dropped (the table stays, to be filled
    /// again) and the next reads start from the store.
    mutating func flushed() {
        entries.removeAll(keepingCapacity: true)
    }
}

/// The cache alone as a view of the UTXO set: a coin it does not hold reads as absent, although the
/// store may have it (`ChainState` connects a block from the cache first, and reads the store only
/// if a coin was missing).
extension CoinCache: CoinView {
    func coin(_ outpoint: OutPoint) -> Coin? { lookup(outpoint) ?? nil }
}
