import GRDB
import GRDBSQLite
import TallyCrypto
import TallyWire

/// The three statements the UTXO set runs once per input or output.
struct CoinStatements {
    private let select: RawStatement
    private let delete: RawStatement
    private let insert: RawStatement

    init(_ db: Database) throws {
        select = try RawStatement(
            db, "SELECT amount, address, height, coinbase FROM utxo WHERE txid = ? AND output_index = ?")
        delete = try RawStatement(db, "DELETE FROM utxo WHERE txid = ? AND output_index = ?")
        insert = try RawStatement(
            db,
            """
            INSERT OR REPLACE INTO utxo (txid, output_index, amount, address, height, coinbase)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
    }

    func coin(_ outpoint: OutPoint) throws -> Coin? {
        defer { select.finish() }
        bind(select, outpoint)
        guard try select.step() else { return nil }
        let s = select.handle
        guard sqlite3_column_bytes(s, 1) == AddressHash.size, let blob = sqlite3_column_blob(s, 1) else {
            throw ChainStore.StoreError.damaged("address of \(outpoint)")
        }
        let address = AddressHash(bytes: UnsafeRawBufferPointer(start: blob, count: AddressHash.size))!
        return Coin(
            output: TxOutput(amount: UInt64(sqlite3_column_int64(s, 0)), address: address),
            height: UInt32(sqlite3_column_int64(s, 2)), isCoinbase: sqlite3_column_int(s, 3) != 0)
    }

    func remove(_ outpoint: OutPoint) throws {
        bind(delete, outpoint)
        try delete.run()
    }

    func add(_ outpoint: OutPoint, _ coin: Coin) throws {
        bind(insert, outpoint)
        insert.bind(3, Int64(coin.output.amount))
        insert.bind(4, coin.output.address)
        insert.bind(5, Int64(coin.height))
        insert.bind(6, coin.isCoinbase ? 1 : 0)
        try insert.run()
    }

    private func bind(_ statement: RawStatement, _ outpoint: OutPoint) {
        statement.bind(1, outpoint.txid)
        statement.bind(2, Int64(outpoint.index))
    }
}
