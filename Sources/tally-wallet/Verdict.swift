import Foundation
import TallyNet
import TallyWire

/// What the node did with a payment it was sent (Protocol.md §11.1).
enum Verdict: Equatable {
    /// In its mempool.
    case accepted
    /// Answered with `reject`.
    case refused(code: RejectCode, reason: String)
    /// Not in its mempool and no reason given: it does not know a coin the payment spends (spent
    /// already, or a parent it never saw).
    case notTaken

    var explanation: String {
        switch self {
        case .accepted: "accepted"
        case .refused(let code, let reason): "\(reason) (\(code))"
        case .notTaken: "the node does not know a coin it spends (already spent, or not seen by that node)"
        }
    }
}

/// Sends `tx` and asks right after for it back (`getdata`): the node handles one peer's messages in
/// order, so a `reject` comes first if there is one, then the transaction itself (taken) or
/// `notfound`. Throws a `PeerClient.Failure` when the node does not answer within `timeout`.
func sendForVerdict(_ tx: Transaction, client: PeerClient, timeout: TimeInterval = 10) throws -> Verdict {
    let txid = tx.txid
    client.send(.tx(tx))
    client.send(.getData(GetDataMessage(inventory: [.transaction(txid)])))
    let deadline = Date().addingTimeInterval(timeout)
    var answeredNotFound: Date?
    while true {
        // After `notfound`, a little longer for a `reject` a node with its work queued apart may send late.
        let until = answeredNotFound.map { min($0.addingTimeInterval(0.5), deadline) } ?? deadline
        let message: Message
        do {
            message = try client.next(
                timeout: max(0.01, until.timeIntervalSinceNow), waitingFor: "the verdict on payment \(txid)")
        } catch PeerClient.Failure.timeout(let what) {
            if answeredNotFound != nil { return .notTaken }
            throw PeerClient.Failure.timeout(what)
        }
        switch message {
        case .reject(let reject) where reject.hash == txid:
            return .refused(code: reject.code, reason: reject.reason)
        case .tx(let echoed) where echoed.txid == txid:
            return .accepted
        case .notFound(let missing) where missing.inventory.contains(where: { $0.hash == txid }):
            answeredNotFound = Date()
        default:
            break
        }
    }
}
