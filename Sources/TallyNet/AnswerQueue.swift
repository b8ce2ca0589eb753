import TallyCrypto
import TallyWire

/// The requests of one peer whose answers can be large (`getheaders`, `getblocks`, `getaddr`,
/// `mempool`, `getblocktxn`), answered one at a time, in the order asked, each only while the peer's output budget
/// has room: a peer that asks and does not read holds the requests it sent (a few bytes each), not
/// their answers (up to 162 KB each). A long answer (a large mempool) goes out in steps, its rest
/// put back at the front. How many may wait is bounded by the reader, which stops decoding while
/// `maximumPendingWork` of the peer's requests wait (Protocol.md §13.8). Pure bookkeeping.
struct AnswerQueue: Sendable {
    enum Request: Equatable, Sendable {
        case headers(GetHeadersMessage)
        case blockHashes(GetBlocksMessage)
        case addresses
        case mempool
        /// What is left of a `mempool` answer: txids still to announce.
        case mempoolRest(ArraySlice<Hash256>)
        /// `getblocktxn`: transactions of a block a peer is rebuilding (Protocol.md §13.10).
        case blockTransactions(GetBlockTransactionsMessage)
    }

    private var waiting: [Request] = []
    private var head = 0
    /// One answer is being made or written; the next waits for `finished`.
    private(set) var answering = false

    /// Requests not yet begun.
    var waitingCount: Int { waiting.count - head }

    mutating func add(_ request: Request) { waiting.append(request) }

    /// The next request to answer, unless one is being answered.
    mutating func next() -> Request? {
        guard !answering, head < waiting.count else { return nil }
        let request = waiting[head]
        head += 1
        // Dropping answered entries now and then keeps the array as short as what waits.
        if head >= 64 && head * 2 >= waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
        answering = true
        return request
    }

    /// The answer in progress is written; `rest`, if any, is answered next, before anything else.
    mutating func finished(rest: Request? = nil) {
        answering = false
        guard let rest else { return }
        if head > 0 {
            head -= 1
            waiting[head] = rest
        } else {
            waiting.insert(rest, at: 0)
        }
    }
}
