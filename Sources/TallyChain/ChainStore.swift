import Foundation
import GRDB
import GRDBSQLite
import TallyCrypto
import TallyWire

/// The chain on disk: one SQLite database in WAL mode holding every header, block and undo record,
/// the active chain and the UTXO set. Connecting or disconnecting a block is one SQLite
/// transaction, so a process killed at any instant reopens to a consistent chain.
public final class ChainStore: Sendable {
    private let pool: DatabasePool
    public let path: String
    private let checkpointer: WALCheckpointer?

    public struct StoredHeader: Sendable {
        public let hash: Hash256
        public let header: BlockHeader
        public let height: UInt32
        public let status: BlockStatus
        public let sequence: Int64
    }

    public enum StoreError: Error, CustomStringConvertible {
        case wrongNetwork(stored: String, expected: String)
        case damaged(String)

        public var description: String {
            switch self {
            case let .wrongNetwork(stored, expected): "the store holds a \(stored) chain, not \(expected)"
            case .damaged(let why): "the store is damaged: \(why)"
            }
        }
    }

    /// `checkpointInBackground`: a `WALCheckpointer` keeps the log short between commits (a node's
    /// store; a short-lived one need not pay for the thread). SQLite's own checkpoint inside the
    /// commit stays on: it finds nothing to do while the background one keeps up, and bounds the log
    /// when writes outpace it (initial sync: with it off the log grew to 3 GB over 100,000 blocks).
    public init(path: String, network: Network, checkpointInBackground: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a killed process loses nothing committed; a power cut may
            // lose the last transactions but never leaves a half-applied one.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        checkpointer = checkpointInBackground ? try WALCheckpointer(path: path) : nil
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS block (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        hash BLOB NOT NULL UNIQUE,
                        height INTEGER NOT NULL,
                        header BLOB NOT NULL,
                        status INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS block_data (hash BLOB PRIMARY KEY, data BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS block_undo (hash BLOB PRIMARY KEY, undo BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS active_chain (height INTEGER PRIMARY KEY, hash BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS utxo (
                        txid BLOB NOT NULL, output_index INTEGER NOT NULL,
                        amount INTEGER NOT NULL, address BLOB NOT NULL,
                        height INTEGER NOT NULL, coinbase INTEGER NOT NULL,
                        PRIMARY KEY (txid, output_index)) WITHOUT ROWID;
                    """)
            if let stored = try String.fetchOne(db, sql: "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'network'") {
                guard stored == network.rawValue else {
                    throw StoreError.wrongNetwork(stored: stored, expected: network.rawValue)
                }
            } else {
                try db.execute(
                    sql: "INSERT INTO meta (key, value) VALUES ('network', CAST(? AS BLOB))",
                    arguments: [network.rawValue])
            }
        }
    }

    // MARK: Headers and blocks

    public func loadHeaders() throws -> [StoredHeader] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT hash, header, height, status, sequence FROM block ORDER BY height, sequence"
            ).map { row in
                let header = try BlockHeader(decoding: [UInt8](row[1] as Data))
                guard let status = BlockStatus(rawValue: row[3]) else {
                    throw StoreError.damaged("unknown block status")
                }
                return StoredHeader(
                    hash: Hash256(bytes: row[0] as Data), header: header, height: row[2], status: status,
                    sequence: row[4])
            }
        }
    }

    /// Stores a header (and its block, if given) and returns its arrival sequence number.
    public func insert(_ header: BlockHeader, hash: Hash256, height: UInt32, blockData: [UInt8]?) throws -> Int64 {
        try pool.write { db in
            try HeaderInserter(db: db).insert(header, hash: hash, height: height, blockData: blockData)
        }
    }

    /// Runs `body` in one transaction that may store many headers: a `headers` message is one write,
    /// not one per header.
    public func insertingHeaders<T>(_ body: (HeaderInserter) throws -> T) throws -> T {
        try pool.write { db in try body(HeaderInserter(db: db)) }
    }

    public struct HeaderInserter {
        let db: Database

        public func insert(_ header: BlockHeader, hash: Hash256, height: UInt32, blockData: [UInt8]?) throws -> Int64 {
            let insert = try RawStatement(db, "INSERT INTO block (hash, height, header, status) VALUES (?, ?, ?, ?)")
            insert.bind(1, hash)
            insert.bind(2, Int64(height))
            insert.bind(3, header.encoded)
            insert.bind(4, Int64((blockData == nil ? BlockStatus.headerOnly : .haveData).rawValue))
            try insert.run()
            let sequence = db.lastInsertedRowID
            if let blockData { try ChainStore.putBlockData(db, hash: hash, data: blockData) }
            return sequence
        }
    }

    public func storeBlockData(_ data: [UInt8], hash: Hash256) throws {
        try pool.write { db in
            try Self.putBlockData(db, hash: hash, data: data)
            let update = try RawStatement(db, "UPDATE block SET status = ? WHERE hash = ? AND status = ?")
            update.bind(1, Int64(BlockStatus.haveData.rawValue))
            update.bind(2, hash)
            update.bind(3, Int64(BlockStatus.headerOnly.rawValue))
            try update.run()
        }
    }

    fileprivate static func putBlockData(_ db: Database, hash: Hash256, data: [UInt8]) throws {
        let put = try RawStatement(db, "INSERT OR REPLACE INTO block_data (hash, data) VALUES (?, ?)")
        put.bind(1, hash)
        put.bind(2, data)
        try put.run()
    }

    public func blockData(_ hash: Hash256) throws -> [UInt8]? {
        try pool.read { db in
            let select = try RawStatement(db, "SELECT data FROM block_data WHERE hash = ?")
            defer { select.finish() }
            select.bind(1, hash)
            guard try select.step() else { return nil }
            let count = Int(sqlite3_column_bytes(select.handle, 0))
            guard count > 0, let bytes = sqlite3_column_blob(select.handle, 0) else { return [] }
            return [UInt8](UnsafeRawBufferPointer(start: bytes, count: count))
        }
    }

    public func setStatus(_ status: BlockStatus, for hashes: [Hash256]) throws {
        try pool.write { db in
            let update = try RawStatement(db, "UPDATE block SET status = ? WHERE hash = ?")
            for hash in hashes {
                update.bind(1, Int64(status.rawValue))
                update.bind(2, hash)
                try update.run()
            }
        }
    }

    public func activeTip() throws -> Hash256? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM active_chain ORDER BY height DESC LIMIT 1").map {
                Hash256(bytes: $0)
            }
        }
    }

    // MARK: The UTXO set

    /// The block the stored UTXO set matches; nil in a store written before the coins cache, whose
    /// UTXO set matched the active tip at every commit.
    public func coinsTip() throws -> Hash256? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'coins_tip'").map { Hash256(bytes: $0) }
        }
    }

    public func coin(_ outpoint: OutPoint) throws -> Coin? {
        try pool.read { db in try CoinStatements(db).coin(outpoint) }
    }

    /// The coins of many outpoints in one read (nil for those not in the UTXO set).
    public func coins(_ outpoints: some Sequence<OutPoint>) throws -> [OutPoint: Coin?] {
        try pool.read { db in
            let statements = try CoinStatements(db)
            var found: [OutPoint: Coin?] = [:]
            for outpoint in outpoints where found[outpoint] == nil { found[outpoint] = try statements.coin(outpoint) }
            return found
        }
    }

    /// The whole UTXO set; for consistency checks and small chains.
    public func allCoins() throws -> [OutPoint: Coin] {
        try pool.read { db in
            var coins: [OutPoint: Coin] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT txid, output_index, amount, address, height, coinbase FROM utxo")
            {
                let outpoint = OutPoint(txid: Hash256(bytes: row[0] as Data), index: row[1])
                coins[outpoint] = Coin(
                    output: TxOutput(
                        amount: UInt64(row[2] as Int64), address: AddressHash(bytes: [UInt8](row[3] as Data))!),
                    height: row[4], isCoinbase: row[5])
            }
            return coins
        }
    }

    // MARK: Connecting and disconnecting

    /// Runs `body` in one write transaction; nothing it wrote survives if it throws.
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        try pool.write { db in try body(StoreWriter(db: db, coins: CoinStatements(db))) }
    }

    /// A consistent copy of the whole store at `path` (SQLite's VACUUM INTO), taken while the node
    /// runs: readers see one committed state.
    public func snapshot(to path: String) throws {
        try pool.vacuum(into: path)
    }
}

/// Writes inside one store transaction. Also a `CoinView` of the UTXO set as that transaction sees it.
public struct StoreWriter: CoinView {
    fileprivate let db: Database
    fileprivate let coins: CoinStatements

    public func coin(_ outpoint: OutPoint) throws -> Coin? { try coins.coin(outpoint) }

    /// Records a connected block: its undo record, and the active chain extended by it. Its coins
    /// reach the store later, with the cache's next flush (`applyCoins`).
    public func connect(_ hash: Hash256, height: UInt32, spent: [(OutPoint, Coin)]) throws {
        let undo = try RawStatement(db, "INSERT OR REPLACE INTO block_undo (hash, undo) VALUES (?, ?)")
        undo.bind(1, hash)
        undo.bind(2, UndoRecord.encode(spent))
        try undo.run()
        let active = try RawStatement(db, "INSERT OR REPLACE INTO active_chain (height, hash) VALUES (?, ?)")
        active.bind(1, Int64(height))
        active.bind(2, hash)
        try active.run()
    }

    /// Writes the coins cache's changes (nil deletes) and the block the UTXO set now matches.
    public func applyCoins(_ changes: [(OutPoint, Coin?)], tip: Hash256) throws {
        for (outpoint, coin) in changes {
            if let coin { try coins.add(outpoint, coin) } else { try coins.remove(outpoint) }
        }
        try setCoinsTip(tip)
    }

    private func setCoinsTip(_ hash: Hash256) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('coins_tip', ?)", arguments: [Data(hash.bytes)])
    }

    /// Reverts the tip block in the stored UTXO set, which must match it (the cache flushed):
    /// removes the coins it created and restores those it spent.
    public func disconnect(_ block: Block, hash: Hash256, height: UInt32) throws {
        guard
            let undoData = try Data.fetchOne(
                db, sql: "SELECT undo FROM block_undo WHERE hash = ?", arguments: [Data(hash.bytes)])
        else {
            throw ChainStore.StoreError.damaged("no undo record for \(hash)")
        }
        let spent = try UndoRecord.decode([UInt8](undoData))
        for tx in block.transactions {
            for i in tx.outputs.indices { try coins.remove(OutPoint(txid: tx.txid, index: UInt32(i))) }
        }
        for (outpoint, coin) in spent { try coins.add(outpoint, coin) }
        try db.execute(sql: "DELETE FROM active_chain WHERE height >= ?", arguments: [height])
        try setCoinsTip(block.header.previousBlockHash)
    }
}
