import Foundation
import TallyCrypto

/// The key a node mines to when no reward address is given: created once, kept in the data
/// directory (mode 0600) as 64 hex digits of its Ed25519 seed.
public enum RewardKey {
    public static func loadOrCreate(at url: URL) throws -> Ed25519.PrivateKey {
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            guard let seed = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), seed.count == 32 else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
            }
            return Ed25519.PrivateKey(seed: seed)
        }
        let key = Ed25519.PrivateKey.generate()
        try AtomicFile.write(Array((Hex.encode(key.seed) + "\n").utf8), to: url)
        return key
    }
}
