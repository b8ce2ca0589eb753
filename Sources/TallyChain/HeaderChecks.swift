import TallyCrypto
import TallyWire

/// The rules a header must meet given its parent (R1–R5).
public enum HeaderChecks {
    /// Returns the header's target when every rule holds.
    public static func check(
        _ header: BlockHeader, hash: Hash256, parent: BlockIndexEntry,
        parameters: ChainParameters, now: UInt32
    ) throws(RuleViolation) -> UInt256 {
        let target = try checkProofOfWork(header, hash: hash, parameters: parameters)
        let required = Difficulty.requiredBits(after: parent, parameters: parameters)
        guard header.bits == required else {
            throw RuleViolation(
                .targetBits, "bits \(String(header.bits, radix: 16)), the rule requires \(String(required, radix: 16))")
        }
        let medianTimePast = parent.medianTimePast(span: parameters.medianTimeSpan)
        guard header.time > medianTimePast else {
            throw RuleViolation(.timeTooOld, "time \(header.time) is not after the median time past \(medianTimePast)")
        }
        guard UInt64(header.time) <= UInt64(now) + UInt64(parameters.maximumFutureBlockTime) else {
            throw RuleViolation(
                .timeTooNew, "time \(header.time) is more than \(parameters.maximumFutureBlockTime) s ahead of \(now)")
        }
        return target
    }

    /// Checks that `headers` follow one another (and `previous`, if given) and that each meets R1
    /// and R5; returns their hashes and the work they prove. Needs no chain: a run that cannot be
    /// placed yet (a peer's chain being counted, Protocol.md §13.8) is checked the same way.
    public static func checkRun(
        _ headers: [BlockHeader], following previous: Hash256? = nil, parameters: ChainParameters
    ) throws -> (hashes: [Hash256], work: UInt256) {
        var hashes: [Hash256] = []
        hashes.reserveCapacity(headers.count)
        var work = UInt256.zero
        for header in headers {
            let hash = header.hash
            if let expected = hashes.last ?? previous, header.previousBlockHash != expected {
                throw ChainError.unlinkedHeaders(hash)
            }
            work = work + Target.work(of: try checkProofOfWork(header, hash: hash, parameters: parameters))
            hashes.append(hash)
        }
        return (hashes, work)
    }

    /// The rules that need no parent (R1, R5): a header failing them is rejected before anything
    /// else is looked up, so forged headers cost one hash each. Returns the header's target.
    public static func checkProofOfWork(
        _ header: BlockHeader, hash: Hash256,
        parameters: ChainParameters
    ) throws(RuleViolation) -> UInt256 {
        guard header.version >= 1 else { throw RuleViolation(.headerVersion, "version \(header.version) is below 1") }
        guard let target = Target.decode(bits: header.bits), !(Target.decode(bits: parameters.powLimitBits)! < target)
        else {
            throw RuleViolation(.proofOfWork, "bits \(String(header.bits, radix: 16)) is not a valid target")
        }
        guard !(target < UInt256(hash)) else {
            throw RuleViolation(.proofOfWork, "hash \(hash) is above the target")
        }
        return target
    }
}
