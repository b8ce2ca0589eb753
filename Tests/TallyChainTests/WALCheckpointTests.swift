import Foundation
import TallyTestSupport
import Testing

/// The store's write-ahead log stays short with the background checkpointer on.
@Suite struct WALCheckpointTests {
    /// Blocks committed back to back outpace a checkpoint a second (initial sync does): the log must
    /// still not grow with the chain (with SQLite's own checkpoint off it reached 3 GB over 100,000
    /// blocks, about 30 KB a block).
    @Test func theLogStaysBoundedWhenWritesOutpaceTheBackgroundCheckpoint() throws {
        let t = try TestChain()
        try t.reopen(checkpointInBackground: true)
        _ = try t.mine(1_500)
        let log = try FileManager.default.attributesOfItem(atPath: t.storePath + "-wal")[.size] as? Int ?? 0
        #expect(log > 0)
        #expect(log < 16 << 20, "the log holds \(log) bytes after 1,500 blocks")
    }
}
