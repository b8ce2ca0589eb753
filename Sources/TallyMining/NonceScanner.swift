import CTallyHash
import TallyChain
import TallyWire

/// Scans header nonces with the C kernel (SHA-NI or AVX-512 when the CPU has them, portable C
/// otherwise): the first 64 header bytes are hashed once, each nonce then costs less than two
/// SHA-256 compressions.
public struct NonceScanner: Sendable {
    private var job = tally_scan_job()

    /// Nil if the header's bits encode no valid target.
    public init?(header: BlockHeader) {
        guard let target = Target.decode(bits: header.bits) else { return nil }
        self.init(header: header, target: target)
    }

    public init(header: BlockHeader, target: UInt256) {
        let bytes = header.encoded
        withUnsafeMutableBytes(of: &job.midstate) { state in
            bytes.withUnsafeBufferPointer {
                tally_sha256_midstate($0.baseAddress, state.baseAddress!.assumingMemoryBound(to: UInt32.self))
            }
        }
        withUnsafeMutableBytes(of: &job.tail) { tail in
            for i in 0..<12 { tail[i] = bytes[64 + i] }
        }
        let limbs = [target.limbs.0, target.limbs.1, target.limbs.2, target.limbs.3]
        withUnsafeMutableBytes(of: &job.target) { words in
            let typed = words.bindMemory(to: UInt32.self)
            for i in 0..<8 { typed[i] = UInt32(truncatingIfNeeded: limbs[i / 2] >> (32 * UInt64(i % 2))) }
        }
    }

    /// The first nonce in `start ..< start + count` whose header hash meets the target, if any.
    public func scan(from start: UInt32, count: UInt32) -> UInt32? {
        var found: UInt32 = 0
        return withUnsafePointer(to: job) { tally_scan($0, start, count, &found) } == 1 ? found : nil
    }

    /// The kernel in use, e.g. "sha-ni-4way".
    public static var implementation: String { String(cString: tally_scan_implementation()) }

    /// Every kernel this CPU can run.
    public static var available: [String] {
        var names: [String] = []
        var name: UnsafePointer<CChar>?
        var index: Int32 = 0
        while tally_scan_available(index, &name) == 1, let name {
            names.append(String(cString: name))
            index += 1
        }
        return names
    }

    /// Chooses a kernel by name (tests and benchmarks); false if this CPU lacks it.
    @discardableResult
    public static func select(_ name: String) -> Bool { tally_scan_select(name) == 1 }
}
