import GRDB
import GRDBSQLite
import TallyCrypto
import TallyWire

/// The three statements a block connection runs once per input or output, bound and stepped
/// through SQLite's C interface: going through GRDB's typed arguments costs more than the B-tree
/// work itself on this path (measured with `tally-bench validate`).
struct CoinStatements {
    private let db: Database
    private let select: Statement
    private let delete: Statement
    private let insert: Statement

    init(_ db: Database) throws {
        self.db = db
        select = try db.cachedStatement(
            sql: "SELECT amount, address, height, coinbase FROM utxo WHERE txid = ? AND output_index = ?")
        delete = try db.cachedStatement(sql: "DELETE FROM utxo WHERE txid = ? AND output_index = ?")
        insert = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO utxo (txid, output_index, amount, address, height, coinbase)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
    }

    func coin(_ outpoint: OutPoint) throws -> Coin? {
        let s = select.sqliteStatement
        defer { sqlite3_reset(s) }
        bind(s, outpoint)
        switch sqlite3_step(s) {
        case SQLITE_DONE:
            return nil
        case SQLITE_ROW:
            guard sqlite3_column_bytes(s, 1) == AddressHash.size, let blob = sqlite3_column_blob(s, 1) else {
                throw ChainStore.StoreError.damaged("address of \(outpoint)")
            }
            let address = AddressHash(bytes: Array(UnsafeRawBufferPointer(start: blob, count: AddressHash.size)))!
            return Coin(
                output: TxOutput(amount: UInt64(sqlite3_column_int64(s, 0)), address: address),
                height: UInt32(sqlite3_column_int64(s, 2)), isCoinbase: sqlite3_column_int(s, 3) != 0)
        default:
            throw failure()
        }
    }

    func remove(_ outpoint: OutPoint) throws {
        let s = delete.sqliteStatement
        defer { sqlite3_reset(s) }
        bind(s, outpoint)
        guard sqlite3_step(s) == SQLITE_DONE else { throw failure() }
    }

    func add(_ outpoint: OutPoint, _ coin: Coin) throws {
        let s = insert.sqliteStatement
        defer { sqlite3_reset(s) }
        bind(s, outpoint)
        sqlite3_bind_int64(s, 3, Int64(coin.output.amount))
        coin.output.address.bytes.withUnsafeBytes {
            _ = sqlite3_bind_blob(s, 4, $0.baseAddress, Int32($0.count), transient)
        }
        sqlite3_bind_int64(s, 5, Int64(coin.height))
        sqlite3_bind_int(s, 6, coin.isCoinbase ? 1 : 0)
        guard sqlite3_step(s) == SQLITE_DONE else { throw failure() }
    }

    private func bind(_ s: OpaquePointer, _ outpoint: OutPoint) {
        outpoint.txid.withUnsafeWireBytes { _ = sqlite3_bind_blob(s, 1, $0.baseAddress, 32, transient) }
        sqlite3_bind_int64(s, 2, Int64(outpoint.index))
    }

    private func failure() -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_errcode(db.sqliteConnection)),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

/// SQLite copies the bound bytes (they live in Swift buffers that do not outlive the call).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
