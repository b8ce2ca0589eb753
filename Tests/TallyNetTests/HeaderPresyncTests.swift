import TallyChain
import TallyCrypto
import TallyNet
import Testing

/// Counting a peer's chain before storing it, then storing only the chain that was counted.
@Suite struct HeaderPresyncTests {
    static func hash(_ n: UInt64) -> Hash256 { Hash256(w0: n, w1: 3, w2: 3, w3: 3) }
    static let one = UInt256(Hash256(w0: 1, w1: 0, w2: 0, w3: 0))

    @Test func countsMessagesThenExpectsThemBackInOrderFromTheFork() {
        var presync = HeaderPresync(forkParent: Self.hash(0), work: Self.one, headers: 2_000, end: Self.hash(1))
        #expect(presync.expectedParent == Self.hash(1))
        let step1 = presync.count(work: Self.one, headers: 2_000, end: Self.hash(2))
        #expect(step1)
        #expect(presync.expectedParent == Self.hash(2))
        #expect(presync.work == Self.one + Self.one && presync.headerCount == 4_000)
        presync.startRedownload()
        #expect(presync.isRedownloading && presync.expectedParent == Self.hash(0))
        // A message that ends elsewhere is not the chain that was counted.
        var forged = presync
        let step2 = forged.redownload(endingAt: Self.hash(9))
        #expect(!step2)
        let step3 = presync.redownload(endingAt: Self.hash(1))
        #expect(step3)
        #expect(!presync.isComplete && presync.expectedParent == Self.hash(1))
        let step4 = presync.redownload(endingAt: Self.hash(2))
        #expect(step4)
        #expect(presync.isComplete)
        let step5 = presync.redownload(endingAt: Self.hash(3))
        #expect(!step5)
    }

    @Test func aChainLongerThanTheBoundIsNotFollowed() {
        var presync = HeaderPresync(forkParent: Self.hash(0), work: Self.one, headers: 2_000, end: Self.hash(1))
        var counted = 1
        while presync.count(work: Self.one, headers: 2_000, end: Self.hash(UInt64(counted + 1))) { counted += 1 }
        #expect(presync.headerCount <= HeaderPresync.maximumHeaders)
        #expect(counted == HeaderPresync.maximumHeaders / 2_000)
    }
}
