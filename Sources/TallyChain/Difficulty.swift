import TallyWire

public enum Difficulty {
    /// The compact target the block at `height` must carry, given its parent's timestamp (rule R2).
    ///
    /// ASERT anchored at genesis: with Δ = parentTime − genesisTime − spacing·(height − 1), the
    /// target is genesisTarget · 2^(Δ / halfLife), evaluated in 16.16 fixed point with a cubic
    /// approximation of 2^x on [0, 1) (the one specified for aserti3-2d), then clamped to
    /// [1, powLimit]. Integer arithmetic only, so every node computes the same bits.
    public static func requiredBits(height: UInt32, parentTime: UInt32, parameters: ChainParameters) -> UInt32 {
        guard case let .asert(spacing, halfLife) = parameters.difficulty, height > 0 else {
            return parameters.powLimitBits
        }
        let genesis = parameters.genesis.header
        let powLimit = Target.decode(bits: parameters.powLimitBits)!
        let anchorTarget = Target.decode(bits: genesis.bits)!

        let behindSchedule = Int64(parentTime) - Int64(genesis.time) - spacing * (Int64(height) - 1)
        let exponent = behindSchedule * 65536 / halfLife
        var shifts = exponent >> 16
        let frac = UInt64(exponent & 0xffff)
        // Each term stays below 2^64 for frac < 2^16 (the three add up to just under 2^64).
        let polynomial = 195_766_423_245_049 * frac + 971_821_376 * frac * frac + 5_127 * frac * frac * frac + (1 << 47)
        let factor = 65_536 + (polynomial >> 48)

        guard var next = anchorTarget.multipliedReportingOverflow(by: factor) else { return parameters.powLimitBits }
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
}

public enum Subsidy {
    /// 50 coins, halved every `halvingInterval` blocks, zero after 64 halvings.
    public static func amount(height: UInt32, parameters: ChainParameters) -> UInt64 {
        let halvings = height / parameters.halvingInterval
        return halvings >= 64 ? 0 : ChainParameters.initialSubsidy >> UInt64(halvings)
    }
}
