import Foundation
import TallyNet
import TallyWire
import Testing

@Suite struct AddressBookTests {
    static func address(_ n: Int) -> (target: String, address: NetworkAddress) {
        let bytes: [UInt8] = [10, UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        return ("\(bytes.map(String.init).joined(separator: ".")):18733", NetworkAddress(ipv4: bytes, port: 18733))
    }

    @Test func isBoundedAndAFullTableStillLearns() {
        var book = AddressBook(untriedCapacity: 100, triedCapacity: 10)
        let start = Date()
        for n in 0..<1_000 {
            let (target, address) = AddressBookTests.address(n)
            let outcome1 = book.add(target, address, now: start.addingTimeInterval(Double(n)))
            #expect(outcome1)
        }
        #expect(book.untriedCount == 100)
        // The newest are kept, the oldest gave way.
        #expect(book.contains(AddressBookTests.address(999).target))
        #expect(!book.contains(AddressBookTests.address(0).target))
        #expect(
            book.contains(AddressBookTests.address(900).target) && !book.contains(AddressBookTests.address(899).target))
    }

    @Test func triedAddressesSurviveAFloodOfNewOnes() {
        var book = AddressBook(untriedCapacity: 10, triedCapacity: 10)
        let good = AddressBookTests.address(1)
        book.markTried(good.target, good.address, now: Date(timeIntervalSince1970: 0))
        for n in 2..<500 {
            let (target, address) = AddressBookTests.address(n)
            book.add(target, address)
        }
        #expect(book.isTried(good.target))
        #expect(book.dialCandidates(excluding: [], limit: 1) == [good.target])
        #expect(book.triedCount == 1 && book.untriedCount == 10)
    }

    @Test func ownAddressesAreNeverLearntAgain() {
        var book = AddressBook()
        let own = AddressBookTests.address(5)
        book.add(own.target, own.address)
        book.markOwn(own.target)
        #expect(!book.contains(own.target) && book.isOwn(own.target))
        let outcome2 = book.add(own.target, own.address)
        #expect(!outcome2)
        book.markTried(own.target, own.address)
        #expect(!book.contains(own.target))
    }

    @Test func dialCandidatesLeaveOutTheConnectedAndSpreadOverTheRest() {
        var book = AddressBook()
        let start = Date()
        for n in 0..<5 {
            let (target, address) = AddressBookTests.address(n)
            book.add(target, address, now: start.addingTimeInterval(Double(n)))
        }
        let connected: Set = [AddressBookTests.address(4).target]
        // Not the newest every time: over many draws every address not connected comes first.
        var first = Set<String>()
        for _ in 0..<200 {
            let candidates = book.dialCandidates(excluding: connected, limit: 2)
            #expect(candidates.count == 2 && Set(candidates).count == 2 && !candidates.contains(connected.first!))
            first.insert(candidates[0])
        }
        #expect(first == Set((0..<4).map { AddressBookTests.address($0).target }))
        #expect(book.dialCandidates(excluding: [], limit: 0).isEmpty)
        #expect(book.sample(limit: 3).count == 3)
    }
}
