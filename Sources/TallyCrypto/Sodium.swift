import CSodium

/// libsodium must be initialised once before its random generator is used; `sodium_init` is safe to
/// call from any thread and any number of times, and this constant makes the first use do it.
let sodiumInitialised: Bool = sodium_init() >= 0

public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(sodiumInitialised, "libsodium failed to initialise")
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    public static func uint64() -> UInt64 {
        let b = bytes(8)
        return b.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}
