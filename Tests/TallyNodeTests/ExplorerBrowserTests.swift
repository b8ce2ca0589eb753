import Foundation
import Testing

/// The explorer in a real browser: a regtest `tallyd` mining a block a second serves it with `--http`,
/// and `scripts/browser-check` drives Debian's headless Chromium through it: the page shows a newly
/// mined block without being reloaded, the block's page lists its transactions, the first one's page
/// shows its txid and outputs, search finds the block by height and explains a miss, and the mempool
/// and peers pages load. Runs only where /usr/bin/chromium (or $CHROMIUM) exists.
@Suite(.serialized) struct ExplorerBrowserTests {
    static let chromium = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium"
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: chromium), "needs Chromium (apt-get install chromium)"))
    func explorerShowsANewBlockLiveAndFollowsItToItsTransactions() throws {
        let node = try TestNode("explorer")
        let httpPort = try freePort()
        let base = "http://127.0.0.1:\(httpPort)"
        try node.start(["--mine", "--threads", "1", "--mine-interval", "1", "--http", "127.0.0.1:\(httpPort)"])
        defer { node.stop() }
        let api = HTTPTestClient(port: httpPort, document: OpenAPIDocument.load())

        // The API answers and the chain has a few blocks, so the table has something to show.
        try waitUntil("the HTTP API to report height 2", timeout: 30) {
            (try api.json("GET", "/api/chain")["height"] as? Int ?? 0) >= 2
        }

        let shots = node.directory.appendingPathComponent("screenshots")
        let started = Date()
        let run = try Self.browserCheck(
            ["\(base)/", "--out", shots.path, "--live-timeout", "60", "--timeout", "180"],
            directory: node.directory, limit: 200)
        let seconds = Date().timeIntervalSince(started)
        try #require(
            run.status == 0, "browser-check exited \(run.status) after \(Int(seconds)) s:\n\(run.stderr)\n\(run.stdout)"
        )
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "not JSON: \(run.stdout)")
        #expect(report["ok"] as? Bool == true)

        // It saw the table, then a higher block arrive without a reload, highlighted.
        let home = try #require(report["home"] as? [String: Any])
        let live = try #require(report["live"] as? [String: Any])
        let first = try #require(home["highestHeight"] as? Int)
        let newHeight = try #require(live["newHeight"] as? Int)
        let newHash = try #require(live["hash"] as? String)
        #expect((home["rows"] as? Int ?? 0) >= 3)
        #expect(newHeight > first)
        #expect(live["highlighted"] as? Bool == true)
        #expect(live["reloaded"] as? Bool == false)

        // It followed that block to its page, and its first transaction (the coinbase) to its own.
        let block = try #require(report["block"] as? [String: Any])
        #expect(block["hash"] as? String == newHash)
        #expect(block["height"] as? Int == newHeight)
        #expect((block["transactions"] as? Int ?? 0) >= 1)
        let transaction = try #require(report["transaction"] as? [String: Any])
        #expect(transaction["route"] as? String == "#/tx/\(transaction["txid"] as? String ?? "")")
        #expect(transaction["coinbase"] as? Bool == true)
        #expect((transaction["outputs"] as? Int ?? 0) >= 1)

        // What the browser showed is what the API says about that block.
        let apiBlock = try api.json("GET", "/api/blocks/\(newHash)")
        #expect(apiBlock["height"] as? Int == newHeight)
        let apiTransactions = try #require(apiBlock["transactions"] as? [[String: Any]])
        #expect(apiTransactions.count == block["transactions"] as? Int)
        #expect(apiTransactions.first?["txid"] as? String == transaction["txid"] as? String)

        // Search by height opened the block; a miss showed the server's message; the other pages loaded.
        let search = try #require(report["search"] as? [String: Any])
        #expect(search["\(newHeight)"] as? String == "block")
        #expect((search["no-such-thing"] as? String)?.hasPrefix("Nothing found for") == true)
        let pages = try #require(report["pages"] as? [String: Any])
        #expect(pages["mempool"] != nil && pages["peers"] != nil)
        #expect((report["jsExceptions"] as? [Any])?.isEmpty == true)
        #expect((report["foreignRequests"] as? [Any])?.isEmpty == true)

        // Three real screenshots: PNG, 1280×800, not blank.
        for name in ["home", "block", "tx"] {
            let data = try Data(contentsOf: shots.appendingPathComponent("\(name).png"))
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name).png is not a PNG")
            #expect(data.count > 20_000, "\(name).png has only \(data.count) bytes")
            let width = data.count >= 24 ? data[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
            let height = data.count >= 24 ? data[20..<24].reduce(0) { $0 << 8 | Int($1) } : 0
            #expect(width == 1280 && height == 800, "\(name).png is \(width)×\(height)")
        }
        #expect(seconds < 120, "the browser check took \(Int(seconds)) s")
    }

    /// Runs scripts/browser-check (which bounds itself with --timeout); killed if still running after `limit` s.
    static func browserCheck(
        _ arguments: [String], directory: URL, limit: TimeInterval
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let outPath = directory.appendingPathComponent("browser-check.json")
        let errPath = directory.appendingPathComponent("browser-check.err")
        _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent("scripts/browser-check")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["CHROMIUM": chromium]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outPath)
        process.standardError = try FileHandle(forWritingTo: errPath)
        try process.run()
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()  // SIGTERM: the script kills its browser and reports
            let grace = Date().addingTimeInterval(10)
            while process.isRunning && Date() < grace { Thread.sleep(forTimeInterval: 0.1) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdout, stderr)
    }
}
