import Foundation
import TallyChain

/// Consistent copies of the store every N blocks, as `chain-HEIGHT.sqlite` in the snapshot folder,
/// keeping the newest K. A snapshot is a complete store: copy it to `DATADIR/chain.sqlite` (or use
/// `tallyd restore-snapshot`) and start the node from it.
public struct Snapshots: Sendable {
    public let directory: URL
    public let interval: UInt32
    public let keep: Int

    public init(directory: URL, interval: UInt32, keep: Int) {
        self.directory = directory
        self.interval = interval
        self.keep = keep
    }

    public func isDue(at height: UInt32) -> Bool { interval > 0 && height > 0 && height % interval == 0 }

    /// Writes the snapshot for `height` and removes the oldest beyond `keep`; returns its path.
    /// The copy is written as `.partial`, fsynced, renamed and its directory fsynced, so a snapshot
    /// that carries its final name is complete even after a power cut (SQLite promises nothing
    /// about a `VACUUM INTO` file that a crash interrupts).
    @discardableResult
    public func take(from store: ChainStore, height: UInt32) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = directory.appendingPathComponent("chain-\(height).sqlite")
        let partial = directory.appendingPathComponent("chain-\(height).sqlite.partial")
        try? FileManager.default.removeItem(at: partial)
        try store.snapshot(to: partial.path)
        try AtomicFile.publish(partial, as: target)
        for old in list().dropFirst(keep) { try? FileManager.default.removeItem(at: old.url) }
        return target
    }

    /// Snapshots present, newest first.
    public func list() -> [(height: UInt32, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (UInt32, URL)? in
            guard name.hasPrefix("chain-"), name.hasSuffix(".sqlite"),
                let height = UInt32(name.dropFirst(6).dropLast(7))
            else { return nil }
            return (height, directory.appendingPathComponent(name))
        }.sorted { $0.0 > $1.0 }
    }
}
