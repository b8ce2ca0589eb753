import TallyChain
import TallyCrypto
import TallyWire

public enum ProofOfWork {
    /// Whether the header's hash meets the target its bits encode: the check any node applies
    /// (rule R1), independent of how the nonce was found.
    public static func isSolved(_ header: BlockHeader) -> Bool {
        guard let target = Target.decode(bits: header.bits) else { return false }
        return !(target < UInt256(header.hash))
    }

    /// Tries nonces from `start` upward; returns the header with the first nonce that meets the
    /// target, or nil when `shouldStop` (asked every `checkInterval` nonces) says so or the nonces
    /// run out.
    public static func search(
        _ header: BlockHeader, from start: UInt32 = 0, checkInterval: UInt32 = 4096,
        shouldStop: () -> Bool = { false }
    ) -> BlockHeader? {
        guard let target = Target.decode(bits: header.bits) else { return nil }
        var candidate = header
        var nonce = start
        while true {
            candidate.nonce = nonce
            if !(target < UInt256(candidate.hash)) { return candidate }
            if nonce == .max { return nil }
            nonce += 1
            if nonce % checkInterval == 0 && shouldStop() { return nil }
        }
    }

    /// Finds a nonce for `block`, rolling the extra nonce when the 2^32 nonces are used up. For
    /// easy targets (regtest, tests).
    public static func solve(_ block: Block) -> Block {
        var candidate = block
        var extraNonce: UInt64 = candidate.transactions[0].coinbaseData?.extraNonce ?? 0
        while true {
            if let header = search(candidate.header) {
                return Block(header: header, transactions: candidate.transactions)
            }
            extraNonce += 1
            candidate = BlockAssembler.withExtraNonce(candidate, extraNonce)
        }
    }
}
