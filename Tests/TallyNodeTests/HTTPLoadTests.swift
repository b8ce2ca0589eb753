import Foundation
import Testing

/// The HTTP server under a crowd of silent connections (Protocol.md §15): it holds at most 512, a
/// newcomer beyond them is answered 503 at once rather than left hanging, the P2P side answers as
/// usual, and the silent ones are closed at the 10 s head deadline, after which HTTP serves again.
@Suite(.serialized) struct HTTPLoadTests {
    static let maximumConnections = 512
    static let headTimeout: TimeInterval = 10

    @Test func aCrowdOfSilentConnectionsIsCappedAnsweredAndTimedOut() throws {
        // 2,000 silent sockets; for `scripts/lan report` (TALLY_LAN_FULL) 20,000, or as many as
        // this process may hold (its descriptor limit raised to the hard one, less 1,000). Opening
        // that many takes longer than the head deadline here, so the first ones are closed while
        // the last are opened: the exact count held is checked only in the quick run.
        let full = ProcessInfo.processInfo.environment["TALLY_LAN_FULL"] != nil
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let crowdSize = min(full ? 20_000 : 2_000, Int(limit.rlim_cur) - 1_000)
        try #require(
            crowdSize > Self.maximumConnections + 100, "descriptor limit \(limit.rlim_cur) too low for this test")

        let node = try TestNode("http-crowd")
        let httpPort = try freePort()
        try node.start(["--http", "127.0.0.1:\(httpPort)"])
        let http = HTTPTestClient(port: httpPort, document: OpenAPIDocument.load())
        try waitUntil("the HTTP API answers", timeout: 20) { (try? http.json("GET", "/api/chain")) != nil }
        let watch = ProbeWatch(node)

        let opened = Date()
        var crowd: [RawPeer] = []
        for _ in 0..<crowdSize { crowd.append(try RawPeer(from: "127.0.0.41", to: httpPort)) }
        // Let the 503s of the newest few go out and their sockets close (1 s linger).
        Thread.sleep(forTimeInterval: 1.5)

        // The node keeps exactly its 512; everyone beyond them was answered or closed.
        var silent = crowd.filter { !$0.isClosed() }
        #expect(silent.count <= Self.maximumConnections, "\(silent.count) of \(crowdSize) silent connections held")
        if !full {
            #expect(silent.count == Self.maximumConnections, "\(silent.count) of \(crowdSize) silent connections held")
        }
        #expect(node.openDescriptors() < Self.maximumConnections + 150, "\(node.openDescriptors()) descriptors")

        // A newcomer gets a prompt, polite refusal, not a hang.
        var started = Date()
        let busy = try http.request("GET", "/api/chain")
        #expect(Date().timeIntervalSince(started) < 2)
        if !full || silent.count == Self.maximumConnections {
            #expect(busy.status == 503, "\(busy.status) \(busy.text)")
            #expect(busy.headers["connection"] == "close")
            #expect(busy.text.contains("512"))
        } else {
            #expect(busy.status == 503 || busy.status == 200, "\(busy.status) \(busy.text)")
        }

        // The P2P side never noticed.
        started = Date()
        #expect(try node.status().height == 0)
        #expect(Date().timeIntervalSince(started) < 1)

        // Every silent connection is closed at the head deadline, not before it.
        try waitUntil("the silent connections closed", timeout: Self.headTimeout + 5) {
            silent = silent.filter { !$0.isClosed() }
            return silent.isEmpty
        }
        let closedAfter = Date().timeIntervalSince(opened)
        #expect(full || closedAfter > Self.headTimeout - 1, "closed after \(closedAfter) s")
        crowd.removeAll()

        let chain = try http.json("GET", "/api/chain")
        #expect(chain["height"] as? Int == 0)
        HostileLoadTests.expectComposure(
            node, watch, "\(crowdSize) silent HTTP connections",
            outcome:
                "512 held, newcomers answered 503, the rest closed at \(Int(closedAfter)) s; P2P and HTTP served after")
        #expect(node.stopsPromptly())
    }
}
