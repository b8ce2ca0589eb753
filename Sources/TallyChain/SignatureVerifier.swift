import Dispatch
import TallyCrypto
import TallyWire

/// Verifies the Ed25519 signatures of a block's inputs (rule R22) on one or more threads.
/// Signatures depend only on the transaction and the network, never on the UTXO set, so they can be
/// verified while the UTXO checks run.
public struct SignatureVerifier: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    private struct Check: @unchecked Sendable {
        let tx: Transaction
        let input: Int
    }

    /// Starts verifying every non-coinbase input of `block`; the returned task's `wait` gives the
    /// first failure, if any.
    public func start(_ block: Block, parameters: ChainParameters) -> PendingVerification {
        let transactions = Array(block.transactions.dropFirst())
        let pending = PendingVerification(count: threads)
        let threads = self.threads
        let work: @Sendable () -> Void = {
            DispatchQueue.concurrentPerform(iterations: threads) { slice in
                pending.record(slice: slice, SignatureVerifier.verify(transactions, slice: slice, of: threads, parameters: parameters))
            }
            pending.finish()
        }
        if threads == 1 { work() } else { DispatchQueue.global(qos: .userInitiated).async(execute: work) }
        return pending
    }

    /// Verifies the transactions `slice`, `slice + stride`, … and returns the first failure.
    private static func verify(_ transactions: [Transaction], slice: Int, of stride: Int,
                               parameters: ChainParameters) -> RuleViolation? {
        var i = slice
        while i < transactions.count {
            let tx = transactions[i]
            if let failure = verify(tx, parameters: parameters) { return failure }
            i += stride
        }
        return nil
    }

    public static func verify(_ tx: Transaction, parameters: ChainParameters) -> RuleViolation? {
        let message = SignatureMessage.bytes(txid: tx.txid, parameters: parameters)
        for (n, input) in tx.inputs.enumerated()
        where !Ed25519.verify(signature: input.signature, message: message, publicKey: input.publicKey) {
            return RuleViolation(.signature, "\(tx.txid) input \(n): signature does not verify")
        }
        return nil
    }
}

/// The result of a verification running in the background.
public final class PendingVerification: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = DispatchQueue(label: "tally.signatures")
    private var failures: [RuleViolation?]

    init(count: Int) { failures = Array(repeating: nil, count: count) }

    func record(slice: Int, _ failure: RuleViolation?) { lock.sync { failures[slice] = failure } }
    func finish() { done.signal() }

    /// Blocks until every signature is checked; returns the failure of the lowest slice, if any.
    public func wait() -> RuleViolation? {
        done.wait()
        done.signal()
        return lock.sync { failures.compactMap { $0 }.first }
    }
}
