import Dispatch
import Synchronization
import TallyCrypto
import TallyWire

/// Verifies the Ed25519 signatures of a block's inputs (rule R22). Signatures depend only on the
/// transaction and the network, never on the UTXO set, so they are checked while the UTXO work
/// runs: up to `threads − 1` background workers start at once (no more than there are chunks of
/// work), and the caller joins in when it waits, so `threads` cores are busy and none is
/// oversubscribed.
/// Transactions found in `cache` (verified when they entered the mempool) are left out at the start,
/// on the caller's thread: a block rebuilt from the mempool wakes no worker.
public struct SignatureVerifier: Sendable {
    public let threads: Int
    public let cache: SignatureCache?

    public init(threads: Int, cache: SignatureCache? = nil) {
        self.threads = max(1, threads)
        self.cache = cache
    }

    /// `paymentsVerified`: the block's payments came from the mempool, which takes only transactions
    /// whose signatures verify (`BlockChecks.Done.payments`): nothing is looked up or verified.
    public func start(
        _ block: Block, parameters: ChainParameters, paymentsVerified: Bool = false
    ) -> PendingVerification {
        let payments = block.transactions.dropFirst(paymentsVerified ? block.transactions.count : 1)
        let pending = PendingVerification(cache?.unverified(payments) ?? Array(payments), parameters: parameters)
        for _ in 0..<max(0, min(threads, pending.chunks) - 1) { pending.startBackgroundWorker() }
        return pending
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

/// Signature checks of one block, shared out in small chunks to whichever thread asks next.
public final class PendingVerification: Sendable {
    private let transactions: [Transaction]
    private let parameters: ChainParameters
    private let cursor = Atomic<Int>(0)
    /// The failure of the lowest transaction index seen, so the report does not depend on timing.
    private let failure = Mutex<(index: Int, violation: RuleViolation)?>(nil)
    private let workers = DispatchGroup()
    private static let chunk = 16

    init(_ transactions: [Transaction], parameters: ChainParameters) {
        self.transactions = transactions
        self.parameters = parameters
    }

    /// How many chunks the work is shared out in: no more threads than that are worth starting.
    var chunks: Int { (transactions.count + Self.chunk - 1) / Self.chunk }

    func startBackgroundWorker() {
        workers.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            work()
            workers.leave()
        }
    }

    private func work() {
        while true {
            let start = cursor.add(Self.chunk, ordering: .relaxed).oldValue
            guard start < transactions.count else { return }
            for index in start..<min(start + Self.chunk, transactions.count) {
                guard let violation = SignatureVerifier.verify(transactions[index], parameters: parameters) else {
                    continue
                }
                failure.withLock { if $0 == nil || index < $0!.index { $0 = (index, violation) } }
                // The block is invalid: the others need not go on. Chunks already taken finish,
                // so the lowest failing index among them is still found.
                cursor.store(transactions.count, ordering: .relaxed)
                return
            }
        }
    }

    /// Helps until every signature is checked; returns the failure, if any.
    public func wait() -> RuleViolation? {
        work()
        workers.wait()
        return failure.withLock { $0?.violation }
    }
}
