import TallyNet
import Testing

/// Duplicate connections are settled without trusting the unauthenticated nonce to close a working
/// connection (Protocol.md §13.8).
@Suite struct DuplicateConnectionsTests {
    typealias Connection = DuplicateConnections.Connection
    static let ours: UInt64 = 500

    static func connection(
        _ id: Int, host: String = "10.0.0.2", inbound: Bool, nonce: UInt64 = 900, established: Bool
    ) -> Connection {
        Connection(id: id, host: host, inbound: inbound, remoteNonce: nonce, established: established)
    }

    @Test func aLoneConnectionIsKept() {
        let newcomer = Self.connection(2, inbound: true, established: false)
        let others = [newcomer, Self.connection(1, inbound: true, nonce: 901, established: true)]
        #expect(DuplicateConnections.resolve(newcomer, among: others, ownNonce: Self.ours) == .keep)
    }

    @Test func anEstablishedConnectionNeverYieldsToALaterClaim() {
        // Whatever the directions and whichever nonce is lower, the newcomer goes.
        for (ours, theirs) in [(UInt64(500), UInt64(900)), (900, 500)] {
            for existingInbound in [true, false] {
                for newcomerInbound in [true, false] {
                    let existing = Self.connection(1, inbound: existingInbound, nonce: theirs, established: true)
                    let newcomer = Self.connection(2, inbound: newcomerInbound, nonce: theirs, established: false)
                    #expect(
                        DuplicateConnections.resolve(newcomer, among: [existing, newcomer], ownNonce: ours)
                            == .closeNewcomer)
                }
            }
        }
    }

    @Test func theSameNonceFromAnotherHostIsNoDuplicate() {
        let existing = Self.connection(1, host: "10.0.0.2", inbound: true, established: true)
        let claimant = Self.connection(2, host: "10.0.0.66", inbound: true, established: false)
        #expect(DuplicateConnections.resolve(claimant, among: [existing], ownNonce: Self.ours) == .keep)
    }

    @Test func twoHandshakesAtOnceAreSettledAlikeOnBothSides() {
        // Nodes A (nonce 500) and B (nonce 900) dial each other: connection 1 opened by A, 2 by B.
        // Each side sees its own outbound and the other's inbound; whichever version arrives last,
        // both keep connection 1, opened by the lower nonce.
        let a: UInt64 = 500
        let b: UInt64 = 900
        // A's view: 1 is outbound (A → B), 2 inbound; ids are A's.
        let aOut = Connection(id: 1, host: "b", inbound: false, remoteNonce: b, established: false)
        let aIn = Connection(id: 2, host: "b", inbound: true, remoteNonce: b, established: false)
        #expect(DuplicateConnections.resolve(aIn, among: [aOut], ownNonce: a) == .closeNewcomer)
        #expect(DuplicateConnections.resolve(aOut, among: [aIn], ownNonce: a) == .closeOthers([2]))
        // B's view: 1 is inbound (from A), 2 outbound.
        let bIn = Connection(id: 1, host: "a", inbound: true, remoteNonce: a, established: false)
        let bOut = Connection(id: 2, host: "a", inbound: false, remoteNonce: a, established: false)
        #expect(DuplicateConnections.resolve(bOut, among: [bIn], ownNonce: b) == .closeNewcomer)
        #expect(DuplicateConnections.resolve(bIn, among: [bOut], ownNonce: b) == .closeOthers([2]))
    }

    @Test func theSameNodeDiallingTwiceKeepsTheOlder() {
        let first = Self.connection(1, inbound: true, established: false)
        let second = Self.connection(2, inbound: true, established: false)
        #expect(DuplicateConnections.resolve(second, among: [first, second], ownNonce: Self.ours) == .closeNewcomer)
    }
}
