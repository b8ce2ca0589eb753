import Foundation
import TallyChain
import TallyNode
import TallyTestSupport
import Testing

/// Snapshots every N blocks, the newest K kept, and a data directory started from one.
@Suite(.serialized) struct SnapshotTests {
    @Test func snapshotsAreTakenKeptAndRestorable() throws {
        let node = try TestNode("snapshots")
        try node.start([
            "--mine", "--threads", "1", "--mine-interval", "0.05", "--snapshot-every", "5", "--snapshot-keep", "2",
        ])
        try waitUntil("16 blocks", timeout: 30) { node.height() >= 16 }
        #expect(node.stopsPromptly())

        let snapshots = Snapshots(
            directory: URL(fileURLWithPath: node.dataDirectory).appendingPathComponent("snapshots"),
            interval: 5, keep: 2
        ).list()
        #expect(snapshots.count == 2, "\(snapshots)")
        let newest = try #require(snapshots.first)
        #expect(newest.height % 5 == 0 && newest.height >= 15)
        #expect(snapshots.last.map { $0.height == newest.height - 5 } == true)

        let restored = try TestNode("restored")
        let restore = try Tallyd.run([
            "restore-snapshot", "--regtest", "--datadir", restored.dataDirectory, newest.url.path,
        ])
        #expect(restore.status == 0)
        #expect(restore.output.contains("height \(newest.height)"), "\(restore.output)")
        let check = try Tallyd.run(["check", "--regtest", "--datadir", restored.dataDirectory, "--json"])
        #expect(
            check.output.contains(#""height":\#(newest.height)"#) && check.output.contains(#""consistent":true"#),
            "\(check.output)")
        // A node started from the snapshot continues from its tip.
        try restored.start(["--mine", "--threads", "1", "--mine-interval", "0.05", "--snapshot-every", "0"])
        try waitUntil("the restored node to mine on", timeout: 20) { restored.height() > newest.height }
        // Restoring over an existing store needs --force.
        #expect(
            try Tallyd.run(["restore-snapshot", "--regtest", "--datadir", restored.dataDirectory, newest.url.path])
                .status != 0)
    }

    /// `take` leaves a complete store under the final name and no `.partial` beside it, also when
    /// a snapshot of that height is already there (rename(2) replaces it); the fsyncs themselves
    /// cannot be observed from here.
    @Test func aSnapshotIsPublishedUnderItsFinalNameOnly() throws {
        let chain = try TestChain()
        try chain.mine(7)
        let directory = chain.directory.appendingPathComponent("snapshots")
        let snapshots = Snapshots(directory: directory, interval: 5, keep: 2)
        let first = try snapshots.take(from: chain.chain.store, height: 5)
        try chain.mine(1)
        let again = try snapshots.take(from: chain.chain.store, height: 5)
        #expect(first == again)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["chain-5.sqlite"])

        let copy = try ChainState(store: ChainStore(path: again.path, network: .regtest), parameters: .regtest)
        #expect(copy.height == 8)
        #expect(copy.tip.hash == chain.chain.tip.hash)
    }
}
