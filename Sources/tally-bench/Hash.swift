import ArgumentParser
import COpenSSL
import Dispatch
import Foundation
import Synchronization
import TallyChain
import TallyMining
import TallyWire

/// Proof-of-work hashes per second on 1…N threads, next to the single-stream libcrypto bound
/// measured in the same run: SHA-256 compressions per second on one thread, divided by the two
/// compressions a naive double hash of a header needs.
struct Hash: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mining hash rate per thread against libcrypto's SHA-256 bound.")

    @Option(help: "Seconds per measurement.")
    var seconds = 3.0

    @Option(help: "Largest thread count (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        help:
            "Kernel to use (default: the fastest this CPU has). One of: \(NonceScanner.available.joined(separator: ", "))."
    )
    var kernel: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Entry: Codable {
        let threads: Int
        let hashesPerSecond: Double
        let hashesPerSecondPerThread: Double
        let boundPerThread: Double
        let ratio: Double
    }

    struct Report: Codable {
        let kernel: String
        let compressionsPerSecond: Double
        let entries: [Entry]
    }

    func run() throws {
        if let kernel, !NonceScanner.select(kernel) {
            throw ValidationError("kernel \(kernel) is not available here; available: \(NonceScanner.available)")
        }
        var entries: [Entry] = []
        var compressions: [Double] = []
        for count in 1...max(1, threads) {
            // The bound is measured around each run, so both sides see the same machine.
            let before = Self.compressionRate(seconds: seconds / 3)
            let rate = Self.hashRate(threads: count, seconds: seconds)
            let after = Self.compressionRate(seconds: seconds / 3)
            compressions += [before, after]
            let bound = (before + after) / 2 / 2
            entries.append(
                Entry(
                    threads: count, hashesPerSecond: rate, hashesPerSecondPerThread: rate / Double(count),
                    boundPerThread: bound, ratio: rate / Double(count) / bound))
        }
        let report = Report(
            kernel: NonceScanner.implementation,
            compressionsPerSecond: compressions.reduce(0, +) / Double(compressions.count),
            entries: entries)
        if json {
            try printJSON(report)
        } else {
            print(
                "kernel \(report.kernel); libcrypto SHA-256: \(String(format: "%.2f", report.compressionsPerSecond / 1e6)) M compressions/s on one thread"
            )
            for e in entries {
                print(
                    "\(e.threads) thread(s): \(String(format: "%.2f", e.hashesPerSecond / 1e6)) MH/s, \(String(format: "%.2f", e.hashesPerSecondPerThread / 1e6)) MH/s per thread, bound \(String(format: "%.2f", e.boundPerThread / 1e6)) MH/s, ratio \(String(format: "%.2f", e.ratio))"
                )
            }
        }
    }

    /// SHA-256 compressions per second through libcrypto's SHA256_Transform on one thread.
    static func compressionRate(seconds: Double) -> Double {
        var context = SHA256_CTX()
        SHA256_Init(&context)
        let blocks = [UInt8](repeating: 0x5a, count: 64 * 256)
        var count = 0
        let started = DispatchTime.now()
        let deadline = started.uptimeNanoseconds + UInt64(seconds * 1e9)
        var now = started.uptimeNanoseconds
        while now < deadline {
            blocks.withUnsafeBufferPointer { buffer in
                for i in 0..<256 { SHA256_Transform(&context, buffer.baseAddress! + 64 * i) }
            }
            count += 256
            now = DispatchTime.now().uptimeNanoseconds
        }
        return Double(count) / (Double(now - started.uptimeNanoseconds) / 1e9)
    }

    /// Double hashes per second of `threads` OS threads scanning their own nonce ranges against a
    /// target no hash meets.
    static func hashRate(threads: Int, seconds: Double) -> Double {
        let header = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: ChainParameters.main.genesis.header.merkleRoot,
            time: 1_795_392_000, bits: 0x0300_0001, nonce: 0)
        let total = Atomic<UInt64>(0)
        let stop = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        for index in 0..<threads {
            var mine = header
            mine.version = UInt32(index + 1)
            let scanner = NonceScanner(header: mine, target: .zero)
            let thread = Thread {
                var nonce: UInt32 = 0
                var hashed: UInt64 = 0
                while !stop.load(ordering: .relaxed) {
                    _ = scanner.scan(from: nonce, count: 1 << 16)
                    nonce &+= 1 << 16
                    hashed += 1 << 16
                }
                total.add(hashed, ordering: .relaxed)
                done.signal()
            }
            thread.start()
        }
        let started = DispatchTime.now()
        Thread.sleep(forTimeInterval: seconds)
        stop.store(true, ordering: .relaxed)
        for _ in 0..<threads { done.wait() }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return Double(total.load(ordering: .relaxed)) / elapsed
    }
}
