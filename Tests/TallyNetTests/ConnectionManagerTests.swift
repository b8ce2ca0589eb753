import Foundation
import TallyNet
import Testing

@Suite struct ConnectionManagerTests {
    typealias Connection = ConnectionManager.Connection

    func manager(inbound: Int = 4) -> ConnectionManager {
        ConnectionManager(maximumInbound: inbound, targetOutbound: 2, bans: BanList(banDuration: 600))
    }

    @Test func belowTheLimitEveryoneIsAdmitted() {
        var connections = manager()
        let others = (0..<3).map { Connection(id: $0, host: "10.0.0.1", ready: true) }
        let outcome1 = connections.admit(
            .init(id: 9, host: "10.0.0.1", ready: false), inbound: true, persistent: false, among: others)
        #expect(outcome1 == .admit)
    }

    @Test func theCrowdingHostGivesWayNewestAndUnreadyFirst() {
        var connections = manager()
        let others = [
            Connection(id: 0, host: "10.0.0.1", ready: true),
            Connection(id: 1, host: "10.0.0.1", ready: false),
            Connection(id: 2, host: "10.0.0.1", ready: true),
            Connection(id: 3, host: "10.0.0.2", ready: true),
        ]
        let newcomer = Connection(id: 4, host: "10.0.0.3", ready: false)
        let outcome2 = connections.admit(newcomer, inbound: true, persistent: false, among: others)
        #expect(outcome2 == .evict(1))
        let allReady = others.map { Connection(id: $0.id, host: $0.host, ready: true) }
        let outcome3 = connections.admit(newcomer, inbound: true, persistent: false, among: allReady)
        #expect(outcome3 == .evict(2))
    }

    @Test func aHostThatHoldsAsManyOnlyDisplacesItself() {
        var connections = manager()
        let others = [
            Connection(id: 0, host: "10.0.0.1", ready: true), Connection(id: 1, host: "10.0.0.1", ready: true),
            Connection(id: 2, host: "10.0.0.2", ready: true), Connection(id: 3, host: "10.0.0.2", ready: true),
        ]
        let outcome4 = connections.admit(
            .init(id: 4, host: "10.0.0.1", ready: false), inbound: true, persistent: false, among: others)
        #expect(outcome4 == .refuseFull)
        // Outbound connections take no inbound slot.
        let outcome5 = connections.admit(
            .init(id: 5, host: "10.0.0.1", ready: false), inbound: false, persistent: false, among: others)
        #expect(outcome5 == .admit)
    }

    @Test func aBurstOfNuisanceBans() {
        var connections = manager()
        let now = Date()
        var outcome = (score: 0, disconnect: false)
        for second in 0..<10 {  // ten within 0.1 s: the decay has taken almost nothing
            outcome = connections.penalise(
                1, host: "10.0.0.9", for: .nuisance("spam"), now: now.addingTimeInterval(Double(second) / 100))
        }
        #expect(outcome.disconnect)
        let outcome6 = connections.isBanned("10.0.0.9", now: now.addingTimeInterval(2))
        #expect(outcome6)
        let outcome7 = connections.admit(
            .init(id: 2, host: "10.0.0.9", ready: false), inbound: true, persistent: false, among: [],
            now: now.addingTimeInterval(2))
        #expect(outcome7 == .refuseBanned)
        // The operator's own peers are let in anyway.
        let outcome8 = connections.admit(
            .init(id: 3, host: "10.0.0.9", ready: false), inbound: false, persistent: true, among: [],
            now: now.addingTimeInterval(2))
        #expect(outcome8 == .admit)
    }

    @Test func aLongLivedHonestPeerWithOccasionalNuisanceIsNeverBanned() {
        var connections = manager()
        let start = Date()
        // A nuisance every 30 s for a week: the score settles far below the threshold.
        var highest = 0
        for n in 0..<(7 * 24 * 120) {
            let outcome = connections.penalise(
                1, host: "10.0.0.5", for: .nuisance("unrequested block"),
                now: start.addingTimeInterval(Double(n) * 30))
            highest = max(highest, outcome.score)
            #expect(!outcome.disconnect)
            if outcome.disconnect { break }
        }
        #expect(highest < BanScore.threshold / 2)
    }

    @Test func seriousOffencesDoNotDecay() {
        var connections = manager()
        let start = Date()
        let outcome9 = connections.penalise(1, host: "10.0.0.6", for: .protocolViolation("x"), now: start)
        #expect(!outcome9.disconnect)
        #expect(connections.score(of: 1, now: start.addingTimeInterval(86_400)) == 50)
        let outcome10 = connections.penalise(
            1, host: "10.0.0.6", for: .protocolViolation("y"), now: start.addingTimeInterval(86_400))
        #expect(outcome10.disconnect)
        let outcome11 = connections.penalise(2, host: "10.0.0.7", for: .invalidData("bad block"), now: start)
        #expect(outcome11.disconnect)
    }

    @Test func banningOffStillDisconnects() {
        var connections = ConnectionManager(maximumInbound: 4, targetOutbound: 2, bans: BanList(enabled: false))
        let outcome12 = connections.penalise(1, host: "10.0.0.6", for: .malformedMessage("x"))
        #expect(outcome12.disconnect)
        let outcome13 = connections.isBanned("10.0.0.6")
        #expect(!outcome13)
    }

    @Test func outboundTargetCountsConnectionsBeingOpened() {
        var connections = manager()
        #expect(connections.wantsOutbound(open: 1))
        let outcome14 = connections.startConnecting("10.0.0.1:1")
        #expect(outcome14)
        let outcome15 = connections.startConnecting("10.0.0.1:1")
        #expect(!outcome15)
        #expect(!connections.wantsOutbound(open: 1))
        connections.finishedConnecting("10.0.0.1:1")
        #expect(connections.wantsOutbound(open: 1))
    }

    @Test func persistentPeersBackOffAndResetOnSuccess() {
        var connections = manager()
        let outcome16 = connections.reconnectDelay(for: "10.0.0.1:1")
        #expect(outcome16 == nil)
        let outcome17 = connections.addPersistent("10.0.0.1:1")
        #expect(outcome17)
        let outcome18 = connections.addPersistent("10.0.0.1:1")
        #expect(!outcome18)
        let delays = (0..<8).compactMap { _ in connections.reconnectDelay(for: "10.0.0.1:1") }
        #expect(delays == [0.5, 1, 2, 4, 8, 16, 30, 30])
        connections.persistentConnected("10.0.0.1:1")
        let outcome19 = connections.reconnectDelay(for: "10.0.0.1:1")
        #expect(outcome19 == 0.5)
        connections.removePersistent("10.0.0.1:1")
        #expect(!connections.isPersistent("10.0.0.1:1"))
    }
}
