import TallyNet
import TallyWire
import Testing

/// The version/verack machine in every order a peer can send them, without sockets.
@Suite struct HandshakeTests {
    static let ourNonce: UInt64 = 7

    static func version(nonce: UInt64 = 99, protocolVersion: Int32 = ProtocolVersion.current) -> VersionMessage {
        VersionMessage(
            protocolVersion: protocolVersion, services: .network, timestamp: 0, receiverServices: .network,
            receiverAddress: .unspecified, senderServices: .network, senderAddress: .unspecified, nonce: nonce,
            userAgent: "/test/", startHeight: 5, relay: true)
    }

    func fresh() -> Handshake { Handshake(ownNonce: HandshakeTests.ourNonce, timeout: 10) }

    @Test func versionThenVerackIsReady() {
        var handshake = fresh()
        #expect(handshake.receive(.version(HandshakeTests.version())) == [.sendVerack])
        #expect(handshake.state == .awaitingVerack)
        #expect(handshake.receive(.verack) == [.ready])
        #expect(handshake.isReady && handshake.version?.nonce == 99)
    }

    @Test func verackBeforeVersionIsAViolationAndDoesNotCount() {
        var handshake = fresh()
        #expect(handshake.receive(.verack) == [.penalise(.protocolViolation("verack out of order"))])
        #expect(handshake.state == .awaitingVersion)
        // The proper order still completes afterwards.
        #expect(handshake.receive(.version(HandshakeTests.version())) == [.sendVerack])
        #expect(handshake.receive(.verack) == [.ready])
    }

    @Test func duplicatesAreViolations() {
        var handshake = fresh()
        _ = handshake.receive(.version(HandshakeTests.version()))
        #expect(
            handshake.receive(.version(HandshakeTests.version())) == [.penalise(.protocolViolation("second version"))])
        #expect(handshake.receive(.verack) == [.ready])
        #expect(handshake.receive(.verack) == [.penalise(.protocolViolation("verack out of order"))])
        #expect(
            handshake.receive(.version(HandshakeTests.version())) == [.penalise(.protocolViolation("second version"))])
        #expect(handshake.isReady)
    }

    @Test func everyOrderingOfTwoOrThreeMessages() {
        // Exhaustive over sequences of up to three handshake messages: ready exactly when a version
        // was followed by a verack, and no sequence trips anything but a penalty.
        let events: [Handshake.Event] = [.version(HandshakeTests.version()), .verack, .otherMessage]
        func sequences(_ length: Int) -> [[Int]] {
            length == 0 ? [[]] : sequences(length - 1).flatMap { s in (0..<3).map { s + [$0] } }
        }
        for sequence in (1...3).flatMap(sequences) {
            var handshake = fresh()
            var sawVersion = false
            var expectReady = false
            for index in sequence {
                let actions = handshake.receive(events[index])
                if index == 0 { sawVersion = true }
                if index == 1 && sawVersion { expectReady = true }
                for action in actions {
                    switch action {
                    case .sendVerack, .ready, .penalise: break
                    default: Issue.record("unexpected \(action) for \(sequence)")
                    }
                }
            }
            #expect(handshake.isReady == expectReady, "\(sequence)")
        }
    }

    @Test func otherMessagesBeforeTheHandshakeAreIgnored() {
        var handshake = fresh()
        #expect(handshake.receive(.otherMessage).isEmpty)
        #expect(handshake.state == .awaitingVersion)
    }

    @Test func ourOwnNonceIsASelfConnection() {
        var handshake = fresh()
        #expect(
            handshake.receive(.version(HandshakeTests.version(nonce: HandshakeTests.ourNonce))) == [
                .closeSelfConnection
            ])
        #expect(handshake.state == .finished)
        #expect(handshake.receive(.verack).isEmpty)
    }

    @Test func anObsoleteVersionIsRejected() {
        var handshake = fresh()
        let actions = handshake.receive(
            .version(HandshakeTests.version(protocolVersion: ProtocolVersion.minimumSupported - 1)))
        guard case .rejectObsolete(let reject)? = actions.first else {
            Issue.record("expected a reject, got \(actions)")
            return
        }
        #expect(reject.code == .obsolete && reject.message == "version")
        #expect(handshake.state == .finished)
    }

    @Test func aNewerVersionIsAcceptedAndTheLowerSpoken() {
        var handshake = fresh()
        _ = handshake.receive(.version(HandshakeTests.version(protocolVersion: ProtocolVersion.current + 5)))
        #expect(handshake.protocolVersion == ProtocolVersion.current)
    }

    @Test func aVersionOnePeerStillCompletesItsHandshakeAndIsSpokenToInVersionOne() {
        var handshake = fresh()
        #expect(handshake.receive(.version(HandshakeTests.version(protocolVersion: 1))) == [.sendVerack])
        #expect(handshake.receive(.verack) == [.ready])
        #expect(handshake.protocolVersion == 1)
        #expect(handshake.protocolVersion < ProtocolVersion.compactBlocks)
    }

    @Test func timeoutsCloseOnlyUnfinishedHandshakes() {
        var waiting = fresh()
        #expect(waiting.receive(.elapsed(9)).isEmpty)
        #expect(waiting.receive(.elapsed(11)) == [.closeTimedOut])
        var halfway = fresh()
        _ = halfway.receive(.version(HandshakeTests.version()))
        #expect(halfway.receive(.elapsed(11)) == [.closeTimedOut])
        var ready = fresh()
        _ = ready.receive(.version(HandshakeTests.version()))
        _ = ready.receive(.verack)
        #expect(ready.receive(.elapsed(1_000)).isEmpty)
    }
}
