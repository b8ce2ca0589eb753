import TallyNet
import Testing

/// `headers` that do not connect: answered within an allowance, charged past it, and the count
/// starts again only with real progress (Protocol.md §13.8).
@Suite struct UnconnectedHeadersTests {
    func sync() -> BlockSync {
        var sync = BlockSync(stallTimeout: 10, lowWorkHeaderAllowance: 4_000)
        sync.add(1, bestHeight: 0)
        sync.peer(1, reached: 50)
        return sync
    }

    @Test func theAllowanceIsAnsweredAndWhatFollowsIsNot() {
        var sync = sync()
        for _ in 0..<BlockSync.unconnectedHeadersAllowance {
            let answered = sync.headersDidNotConnect(from: 1)
            #expect(answered)
        }
        for _ in 0..<20 {
            let answered = sync.headersDidNotConnect(from: 1)
            #expect(!answered)
        }
    }

    @Test func progressStartsTheCountAgainButOldHeadersDoNot() {
        var sync = sync()
        for _ in 0..<BlockSync.unconnectedHeadersAllowance { _ = sync.headersDidNotConnect(from: 1) }
        // Headers up to a height it had already shown: no progress.
        sync.peer(1, reached: 50)
        sync.peer(1, reached: 20)
        let beforeProgress = sync.headersDidNotConnect(from: 1)
        #expect(!beforeProgress)
        // A height above what it had: the count starts again.
        sync.peer(1, reached: 51)
        for _ in 0..<BlockSync.unconnectedHeadersAllowance {
            let answered = sync.headersDidNotConnect(from: 1)
            #expect(answered)
        }
        let pastTheAllowance = sync.headersDidNotConnect(from: 1)
        #expect(!pastTheAllowance)
    }

    @Test func anUnknownPeerIsNeverAnswered() {
        var sync = sync()
        let answered = sync.headersDidNotConnect(from: 2)
        #expect(!answered)
    }
}
