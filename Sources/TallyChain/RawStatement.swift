import GRDB
import GRDBSQLite
import TallyCrypto
import TallyWire

/// A statement the connection keeps compiled (GRDB's statement cache), bound and stepped through
/// SQLite's C interface: on the per-block and per-coin paths, compiling SQL each time (with GRDB's
/// authorizer) and GRDB's typed arguments cost more than the B-tree work itself (measured with
/// `tally-bench validate` and `network`).
struct RawStatement {
    private let db: Database
    let handle: OpaquePointer

    init(_ db: Database, _ sql: String) throws {
        self.db = db
        handle = try db.cachedStatement(sql: sql).sqliteStatement
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    func bind(_ index: Int32, _ hash: Hash256) {
        hash.withUnsafeWireBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, 32, transient) }
    }

    func bind(_ index: Int32, _ address: AddressHash) {
        address.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
    }

    func bind(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
    }

    /// Steps a statement that returns no row, then resets it and lets go of its bound values (a
    /// block's bytes are not held until the next call).
    func run() throws {
        defer { finish() }
        guard sqlite3_step(handle) == SQLITE_DONE else { throw failure() }
    }

    /// Steps a query: true for a row (read it from `handle`), false when there is none.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw failure()
        }
    }

    func finish() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private func failure() -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_errcode(db.sqliteConnection)),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

/// SQLite copies the bound bytes (they live in Swift buffers that do not outlive the call).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
