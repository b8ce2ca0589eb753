import Dispatch
import Foundation
import GRDB

/// Moves the write-ahead log's pages into the database file from its own connection and thread, so
/// that a block's commit rarely has to: SQLite's automatic checkpoint runs inside the commit that
/// takes the log past 1,000 pages, with its fsyncs — every 14th block of 1,000 transactions, and
/// seconds long on a loaded machine. A passive checkpoint takes no lock that a writer or reader
/// waits for; the log starts again from its beginning at the first commit after one that completed,
/// so at the pace of blocks the log never reaches 1,000 pages. Faster writes (initial sync) outpace
/// it, and the automatic checkpoint, left on, bounds the log then.
final class WALCheckpointer: Sendable {
    /// How often the log is checkpointed.
    static let interval: DispatchTimeInterval = .seconds(1)
    private let stop = DispatchSemaphore(value: 0)

    init(path: String) throws {
        let connection = try DatabaseQueue(path: path)
        let stop = self.stop
        let thread = Thread {
            while stop.wait(timeout: .now() + WALCheckpointer.interval) == .timedOut {
                // A failure (the disk, say) is the writer's to report; the next turn tries again.
                try? connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
        }
        thread.name = "wal-checkpoint"
        thread.start()
    }

    deinit { stop.signal() }
}
