import Foundation
import GRDBSQLite
import TallyChain
import TallyNet
import TallyTestSupport
import TallyWire
import Testing

/// The node's own failures are its own: a store that cannot be written while a peer's block is
/// connected stops the node with a clear line in its log, and the peer is not blamed for it.
@Suite(.serialized) struct StorageFailureTests {
    @Test func aStoreThatCannotBeWrittenStopsTheNodeAndBlamesNoPeer() throws {
        let node = try TestNode("storage-failure")
        try node.start()
        let client = try PeerClient(host: "127.0.0.1", port: node.port, network: .regtest, bindTo: "127.0.0.9")
        defer { client.close() }
        // Another process holds the store's write lock, as a full or failing disk would refuse the
        // node's writes: the node's next write fails at once (SQLITE_BUSY).
        let lock = try WriteLock(path: node.dataDirectory + "/chain.sqlite")
        let block = try TestChain().block(tag: "storage-failure")
        client.send(.block(block))
        try waitUntil("tallyd exits", timeout: 20) { node.process?.isRunning == false }
        lock.release()
        let log = try String(contentsOf: node.logPath, encoding: .utf8)
        #expect(node.process?.terminationStatus == 1)
        #expect(log.contains("the store cannot be written, stopping the node (no peer is blamed)"))
        // A block that extends the tip has its header stored first (it is checked before the node
        // pushes the block on), so the first write to fail may be the header's or the block's.
        #expect(
            log.contains("stopped because storing block \(block.hash) failed")
                || log.contains("stopped because storing 1 header(s) failed"), "\(log)")
        #expect(!log.contains("banned"), "\(log)")
        #expect(!log.contains("(score "), "\(log)")
        // What the node had committed is intact.
        let check = try Tallyd.run(["check", "--regtest", "--datadir", node.dataDirectory, "--json"])
        #expect(check.status == 0, "\(check.output)")
    }
}

/// An open write transaction on a SQLite database, from this process.
private final class WriteLock {
    private var database: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
            sqlite3_exec(database, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK
        else { throw CocoaError(.fileWriteUnknown) }
    }

    func release() {
        sqlite3_exec(database, "ROLLBACK", nil, nil, nil)
        sqlite3_close(database)
        database = nil
    }

    deinit { if database != nil { release() } }
}
