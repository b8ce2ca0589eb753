import TallyChain
import TallyCrypto
import TallyMempool
import TallyNet
import TallyWire
import Testing

/// The table of Protocol.md §13.9: which verdicts cost the sender what, and which cost nothing.
@Suite struct OffenceVerdictTests {
    static let hash = Hash256(w0: 1, w1: 2, w2: 3, w3: 4)

    static func violation(_ rule: ConsensusRule) -> RuleViolation { RuleViolation(rule, "test") }

    @Test func aTransactionIsChargedForEveryConsensusRuleButImmatureCoinbase() {
        for rule in ConsensusRule.allCases {
            let offence = Offence.charged(for: .invalid(Self.violation(rule)), txid: Self.hash)
            if rule == .immatureCoinbase {
                #expect(offence == nil, "R20 is a race with a peer one block ahead, not bad faith")
            } else {
                #expect(offence?.score == 100 && offence?.decays == false, "\(rule)")
            }
        }
    }

    @Test func aTransactionRefusedForPolicyOrAsAnOrphanCostsNothing() {
        let outcomes: [TransactionOutcome] = [
            .accepted([Self.hash]), .known, .orphan(missing: [Self.hash]), .rejected(.policy("dust")),
            .rejected(.insufficientFee("low")), .rejected(.conflict(with: Self.hash)),
        ]
        for outcome in outcomes { #expect(Offence.charged(for: outcome, txid: Self.hash) == nil) }
    }

    @Test func aBlockIsChargedOnlyForWhatCondemnsIt() {
        for rule in ConsensusRule.allCases where rule.condemnsBlock {
            #expect(Offence.charged(for: .invalid(Self.violation(rule)), hash: Self.hash)?.score == 100)
        }
        #expect(Offence.charged(for: .knownInvalid(Self.hash), hash: Self.hash)?.score == 100)
        let unwanted = Offence.charged(for: BlockOutcome.unwanted, hash: Self.hash)
        #expect(unwanted?.score == 10 && unwanted?.decays == true)
        // Too far ahead of our clock, or damaged in transit: taken later, or from someone else.
        for rule in [ConsensusRule.timeTooNew, .merkleRoot, .encoding] {
            #expect(Offence.charged(for: .rejected(Self.violation(rule)), hash: Self.hash) == nil)
        }
        // Asked for, and served with another body: the peer's copy stalls our sync.
        for rule in [ConsensusRule.merkleRoot, .encoding] {
            let served = Offence.charged(for: .rejected(Self.violation(rule)), hash: Self.hash, requested: true)
            #expect(served?.score == 50 && served?.decays == false)
        }
        #expect(Offence.charged(for: .rejected(Self.violation(.timeTooNew)), hash: Self.hash, requested: true) == nil)
        let free: [BlockOutcome] = [.accepted, .duplicate, .orphan(missing: Self.hash), .nodeFailure]
        for outcome in free { #expect(Offence.charged(for: outcome, hash: Self.hash) == nil) }
    }

    @Test func headersTooFarAheadOrTheNodesOwnFailureCostNothing() {
        #expect(Offence.charged(for: HeadersOutcome.invalid(Self.violation(.proofOfWork)))?.score == 100)
        #expect(Offence.charged(for: HeadersOutcome.knownInvalid(Self.hash))?.score == 100)
        #expect(Offence.charged(for: HeadersOutcome.unlinked)?.score == 50)
        #expect(Offence.charged(for: HeadersOutcome.rejected(Self.violation(.timeTooNew))) == nil)
        #expect(Offence.charged(for: HeadersOutcome.nodeFailure) == nil)
        #expect(Offence.charged(for: HeadersOutcome.accepted(lastHeight: 3)) == nil)
        #expect(Offence.charged(for: HeadersOutcome.lowWork(chainWork: .zero)) == nil)
    }

    @Test func aWrongMagicCostsNothingBeforeTheHandshakeAndEverythingAfter() {
        let wrong = MessageError.wrongMagic(expected: Network.regtest.magic, found: Array("GET ".utf8))
        #expect(Offence.charged(for: wrong, handshakeComplete: false) == nil)
        #expect(Offence.charged(for: wrong, handshakeComplete: true)?.score == 100)
        // Another Tally network's magic (a probe set for main) is no different.
        let main = MessageError.wrongMagic(expected: Network.regtest.magic, found: Network.main.magic)
        #expect(Offence.charged(for: main, handshakeComplete: false) == nil)
        // Any other broken frame is charged in full, handshake or not.
        let checksum = MessageError.checksumMismatch(command: "ping", expected: 1, found: 2)
        #expect(Offence.charged(for: checksum, handshakeComplete: false)?.score == 100)
        let oversize = MessageError.payloadTooLarge(command: "headers", length: 810, limit: 400)
        #expect(Offence.charged(for: oversize, handshakeComplete: false)?.score == 100)
    }
}
