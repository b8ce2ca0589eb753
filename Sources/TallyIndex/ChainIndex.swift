import Foundation
import GRDB
import TallyCrypto
import TallyWire

/// Where every transaction of the active chain is, and every output it made and who spent it: what
/// an explorer asks ("which block holds this txid?", "what does this address hold?") and the chain
/// store does not answer. It lives in a database of its own beside the chain store, so consensus
/// never waits for it; it follows the active chain block by block (`ChainIndexer`), and each block
/// is added or removed in one transaction with the indexed tip, so a crash leaves it at a block
/// boundary and it simply continues.
public final class ChainIndex: Sendable {
    private let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS indexed_block (height INTEGER PRIMARY KEY, hash BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS tx (
                        txid BLOB PRIMARY KEY, height INTEGER NOT NULL, position INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS tx_height ON tx(height);
                    CREATE TABLE IF NOT EXISTS output (
                        txid BLOB NOT NULL, output_index INTEGER NOT NULL,
                        address BLOB NOT NULL, amount INTEGER NOT NULL, height INTEGER NOT NULL,
                        spent_by BLOB, spent_height INTEGER,
                        PRIMARY KEY (txid, output_index)) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS output_address ON output(address, height);
                    CREATE INDEX IF NOT EXISTS output_spent_height ON output(spent_height);
                    CREATE INDEX IF NOT EXISTS output_created_height ON output(height);
                    """)
        }
    }

    // MARK: Following the chain

    /// The highest indexed block, nil before genesis is.
    public func tip() throws -> (height: UInt32, hash: Hash256)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT height, hash FROM indexed_block ORDER BY height DESC LIMIT 1")
                .map { (UInt32($0[0] as Int64), Hash256(bytes: $0[1] as Data)) }
        }
    }

    public func hash(at height: UInt32) throws -> Hash256? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM indexed_block WHERE height = ?", arguments: [Int64(height)])
                .map { Hash256(bytes: $0) }
        }
    }

    /// Adds the block at `height` (one above the indexed tip). Each statement is compiled once per
    /// connection (`cachedStatement`), not once per row: a block of 1,000 payments is 4,000 rows.
    public func connect(_ block: Block, hash: Hash256, height: UInt32) throws {
        try pool.write { db in
            let h = Int64(height)
            try db.execute(
                sql: "INSERT INTO indexed_block (height, hash) VALUES (?, ?)", arguments: [h, Data(hash.bytes)])
            let addTransaction = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO tx (txid, height, position) VALUES (?, ?, ?)")
            let spend = try db.cachedStatement(
                sql: "UPDATE output SET spent_by = ?, spent_height = ? WHERE txid = ? AND output_index = ?")
            let addOutput = try db.cachedStatement(
                sql:
                    "INSERT OR REPLACE INTO output (txid, output_index, address, amount, height) VALUES (?, ?, ?, ?, ?)"
            )
            for (position, tx) in block.transactions.enumerated() {
                let txid = Data(tx.txid.bytes)
                try addTransaction.execute(arguments: [txid, h, Int64(position)])
                if !tx.isCoinbase {
                    for input in tx.inputs {
                        try spend.execute(
                            arguments: [txid, h, Data(input.outpoint.txid.bytes), Int64(input.outpoint.index)])
                    }
                }
                for (index, output) in tx.outputs.enumerated() {
                    try addOutput.execute(arguments: [
                        txid, Int64(index), Data(output.address.bytes), Int64(output.amount), h,
                    ])
                }
            }
        }
    }

    /// Removes the indexed tip (it left the active chain).
    public func disconnectTip() throws {
        try pool.write { db in
            guard let top = try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM indexed_block") else { return }
            try db.execute(
                sql: "UPDATE output SET spent_by = NULL, spent_height = NULL WHERE spent_height = ?", arguments: [top])
            try db.execute(sql: "DELETE FROM output WHERE height = ?", arguments: [top])
            try db.execute(sql: "DELETE FROM tx WHERE height = ?", arguments: [top])
            try db.execute(sql: "DELETE FROM indexed_block WHERE height = ?", arguments: [top])
        }
    }

    // MARK: Questions

    /// The height and position of a transaction of the indexed chain.
    public func location(of txid: Hash256) throws -> (height: UInt32, position: Int)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT height, position FROM tx WHERE txid = ?", arguments: [Data(txid.bytes)])
                .map { (UInt32($0[0] as Int64), Int($0[1] as Int64)) }
        }
    }

    public struct IndexedOutput: Sendable {
        public let address: AddressHash
        public let amount: UInt64
        public let spentBy: Hash256?
    }

    public func output(_ outpoint: OutPoint) throws -> IndexedOutput? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT address, amount, spent_by FROM output WHERE txid = ? AND output_index = ?",
                arguments: [Data(outpoint.txid.bytes), Int64(outpoint.index)]
            ).flatMap { row in
                AddressHash(bytes: [UInt8](row[0] as Data)).map {
                    IndexedOutput(
                        address: $0, amount: UInt64(row[1] as Int64),
                        spentBy: (row[2] as Data?).map { Hash256(bytes: $0) })
                }
            }
        }
    }

    public struct AddressTotals: Sendable {
        public let received: UInt64
        public let sent: UInt64
        public let transactionCount: Int
        public var balance: UInt64 { received - sent }
    }

    public struct AddressEntry: Sendable {
        public let txid: Hash256
        public let height: UInt32
        /// What the transaction did to the address's balance.
        public let change: Int64
    }

    /// Every transaction that paid the address or spent from it, with its net effect.
    private static let historySQL = """
        SELECT txid, height, SUM(delta) AS change FROM (
            SELECT txid, height, amount AS delta FROM output WHERE address = ?1
            UNION ALL
            SELECT spent_by, spent_height, -amount FROM output WHERE address = ?1 AND spent_by IS NOT NULL
        ) GROUP BY txid
        """

    public func totals(of address: AddressHash) throws -> AddressTotals {
        try pool.read { db in
            let key = Data(address.bytes)
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(CASE WHEN spent_by IS NULL THEN 0 ELSE amount END), 0)
                    FROM output WHERE address = ?
                    """, arguments: [key])!
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(Self.historySQL))", arguments: [key]) ?? 0
            return AddressTotals(
                received: UInt64(row[0] as Int64), sent: UInt64(row[1] as Int64), transactionCount: count)
        }
    }

    /// The address's transactions, newest first.
    public func history(of address: AddressHash, offset: Int, limit: Int) throws -> [AddressEntry] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "\(Self.historySQL) ORDER BY height DESC, txid LIMIT ?2 OFFSET ?3",
                arguments: [Data(address.bytes), Int64(limit), Int64(offset)]
            ).map {
                AddressEntry(
                    txid: Hash256(bytes: $0[0] as Data), height: UInt32($0[1] as Int64), change: $0[2] as Int64)
            }
        }
    }
}
