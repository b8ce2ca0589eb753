import TallyWire

public enum Difficulty {
    /// The compact target the block at `height` must carry (rule R2, Protocol.md §7), given its
    /// parent's bits and time and its grandparent's time.
    ///
    /// Blocks 1 and 2 carry the genesis bits; from height 3 on, the parent's target is scaled by
    /// 2^((min(parentTime − grandparentTime, cap) − spacing) / halfLife), evaluated in 16.16 fixed
    /// point with the cubic 2^x of aserti3-2d and clamped to [1, powLimit]. Integer arithmetic
    /// only, so every node computes the same bits.
    public static func requiredBits(
        height: UInt32, parentBits: UInt32, parentTime: UInt32, grandparentTime: UInt32,
        parameters: ChainParameters
    ) -> UInt32 {
        guard case let .asert(spacing, halfLife, intervalCap) = parameters.difficulty else {
            return parameters.powLimitBits
        }
        // Genesis is not mined by the network, so its interval to block 1 means nothing: the first
        // interval measured is block 1 → block 2.
        guard height > 2 else { return parameters.genesis.header.bits }
        let powLimit = Target.decode(bits: parameters.powLimitBits)!
        // A parent that passed R1 has a valid target; anything else falls back to the limit.
        guard let parentTarget = Target.decode(bits: parentBits) else { return parameters.powLimitBits }

        // No lower bound: the sum of capped intervals never exceeds the elapsed time, so dating
        // blocks early or late can only make the chain harder.
        let interval = min(Int64(parentTime) - Int64(grandparentTime), intervalCap)
        let exponent = (interval - spacing) * 65536 / halfLife
        var shifts = exponent >> 16
        let frac = UInt64(exponent & 0xffff)
        // Each term stays below 2^64 for frac < 2^16 (the three add up to just under 2^64).
        let polynomial = 195_766_423_245_049 * frac + 971_821_376 * frac * frac + 5_127 * frac * frac * frac + (1 << 47)
        let factor = 65_536 + (polynomial >> 48)

        guard var next = parentTarget.multipliedReportingOverflow(by: factor) else { return parameters.powLimitBits }
        shifts -= 16
        if shifts <= 0 {
            next = next >> Int(clamping: -shifts)
        } else {
            guard shifts < 256, next.bitWidth + Int(shifts) <= 256 else { return parameters.powLimitBits }
            next = next << Int(shifts)
        }
        if next.isZero { next = .one }
        if powLimit < next { next = powLimit }
        return Target.encode(next)
    }

    /// The bits a child of `parent` must carry, read from the block index.
    public static func requiredBits(after parent: BlockIndexEntry, parameters: ChainParameters) -> UInt32 {
        requiredBits(
            height: parent.height + 1, parentBits: parent.header.bits, parentTime: parent.header.time,
            grandparentTime: parent.parent?.header.time ?? parent.header.time, parameters: parameters)
    }
}

public enum Subsidy {
    /// 50 coins, halved every `halvingInterval` blocks, zero after 64 halvings.
    public static func amount(height: UInt32, parameters: ChainParameters) -> UInt64 {
        let halvings = height / parameters.halvingInterval
        return halvings >= 64 ? 0 : ChainParameters.initialSubsidy >> UInt64(halvings)
    }
}
