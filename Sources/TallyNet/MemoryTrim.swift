#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap memory back to the kernel (glibc's `malloc_trim(0)`). glibc keeps what a
/// departed peer's answers and buffers freed in its arenas, so without it the node's resident
/// memory stays at its peak after a flood of peers leaves (issue #13: 4.2 GiB after thirty left).
/// `malloc_trim` is not in Swift's Glibc module, so it is looked up once by name; elsewhere this
/// does nothing.
enum MemoryTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    /// Peers that leave before a trim is worth its cost (it walks every arena, some milliseconds).
    static let departuresPerTrim = 8

    static func run() { _ = trim?(0) }
}
