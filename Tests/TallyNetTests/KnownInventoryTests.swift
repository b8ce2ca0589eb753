import TallyCrypto
import Testing

@testable import TallyNet

/// What a peer is remembered to know: bounded, forgetting the oldest generation first.
@Suite struct KnownInventoryTests {
    func hash(_ n: Int) -> Hash256 { SHA256.hash(Array("inventory \(n)".utf8)) }

    @Test func remembersUpToTwoGenerationsAndForgetsTheOlderFirst() {
        var known = KnownInventory(generationSize: 100)
        for n in 0..<100 { known.insert(hash(n)) }
        #expect(known.count == 100)
        // The next one starts a new generation; the first hundred are still known.
        for n in 100..<200 { known.insert(hash(n)) }
        #expect(known.count == 200)
        #expect((0..<200).allSatisfy { known.contains(hash($0)) })
        // A third generation forgets the first.
        known.insert(hash(200))
        #expect(known.count == 101)
        #expect(!known.contains(hash(0)) && !known.contains(hash(99)))
        #expect(known.contains(hash(100)) && known.contains(hash(200)))
        #expect(!known.contains(hash(201)))
    }

    @Test func aHashInsertedAgainTakesNoSecondPlace() {
        var known = KnownInventory(generationSize: 10)
        for _ in 0..<50 { known.insert(hash(7)) }
        #expect(known.count == 1)
        for n in 0..<10 { known.insert(hash(n)) }  // 7 is there: nine new
        #expect(known.count == 10)
    }
}
