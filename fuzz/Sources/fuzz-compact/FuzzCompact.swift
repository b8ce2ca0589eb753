import TallyNet
import TallyWire

/// The compact-block messages (Protocol.md §13.10) and the reconstruction of a block from them. The
/// first byte chooses, by its value modulo 5:
///
/// - 0 … 3: the rest is a payload of `sendcmpct`, `cmpctblock`, `getblocktxn` or `blocktxn`, decoded
///   by `MessageCodec.decodePayload`; what decodes must re-encode to exactly those bytes. A
///   `cmpctblock` that decodes is then rebuilt (`rebuildDecoded`).
/// - 4: the rest describes a block and which of its transactions a node holds; it is sent compact,
///   rebuilt and completed (`rebuildBlock`), honestly or not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let choice = Int(data[0] % 5)
    guard choice < 4 else {
        rebuildBlock(from: bytes)
        return 0
    }
    let command = [
        SendCompactMessage.command, CompactBlockMessage.command, GetBlockTransactionsMessage.command,
        BlockTransactionsMessage.command,
    ][choice]
    guard let message = try? MessageCodec.decodePayload(command: command, payload: bytes) else { return 0 }
    precondition(message.command == command, "\(command) decoded as \(message.command)")
    precondition(message.payload == bytes, "\(command) payload did not round-trip")
    if case .compactBlock(let compact) = message { rebuildDecoded(compact) }
    return 0
}

/// Rebuilds a decoded `cmpctblock` from its own prefilled transactions and completes it with them
/// again, as many as are missing: nothing may trap, and a block that comes out must match its header.
func rebuildDecoded(_ message: CompactBlockMessage) {
    guard var reconstruction = try? BlockReconstruction(message) else {
        precondition(Set(message.shortIDs).count < message.shortIDs.count, "a collision without equal short ids")
        return
    }
    let prefilled = message.prefilledTransactions.map(\.transaction)
    reconstruction.fill(from: prefilled)
    let missing = reconstruction.missingIndexes
    check(missing, in: message)
    if let block = try? reconstruction.block { checkMatchesItsHeader(block) }
    guard !prefilled.isEmpty else { return }
    let answer = (0..<missing.count).map { prefilled[$0 % prefilled.count] }
    if let block = try? reconstruction.complete(
        with: BlockTransactionsMessage(blockHash: message.header.hash, transactions: answer))
    {
        checkMatchesItsHeader(block)
    }
}

/// Input after the mode byte: flags `u8` | nonce `u64` | a block (§4) | one byte per transaction, of
/// what the node holds of it (cycled when short). Flags: bit 0 keeps the header's merkle root as it
/// came (otherwise it is set to the transactions'); bits 1–2 answer the `getblocktxn` honestly (0), a
/// transaction short (1), with the last two swapped (2), or with one replaced by a decoy (3).
///
/// A transaction's byte, by its value modulo 4: 0 in the mempool, 1 prefilled, 2 held nowhere (asked
/// for), 3 in the mempool and also among the recently relayed candidates.
func rebuildBlock(from bytes: [UInt8]) {
    var reader = ByteReader(bytes)
    guard let flags = try? reader.readUInt8(), let nonce = try? reader.readUInt64(),
        var block = try? Block(from: &reader),
        (1...Block.maximumTransactionCount).contains(block.transactions.count)
    else { return }
    if flags & 1 == 0 { block.header.merkleRoot = block.computedMerkleRoot }
    let consistent = block.header.merkleRoot == block.computedMerkleRoot
    let holdings = (try? reader.readBytes(reader.remaining)) ?? []
    func holding(_ index: Int) -> UInt8 { holdings.isEmpty ? 0 : holdings[index % holdings.count] % 4 }

    let transactions = block.transactions
    let prefilled = transactions.indices.filter { holding($0) == 1 }
    let message = CompactBlockMessage(block: block, nonce: nonce, prefilledIndexes: prefilled)
    let encoded = message.encoded
    if encoded.count <= CompactBlockMessage.maximumPayloadSize {
        precondition(
            (try? MessageCodec.decodePayload(command: CompactBlockMessage.command, payload: encoded))
                == .compactBlock(message), "a built cmpctblock did not decode to itself")
    }

    guard var reconstruction = try? BlockReconstruction(message) else {
        precondition(Set(message.shortIDs).count < message.shortIDs.count, "a collision without equal short ids")
        return
    }
    let mempool = transactions.indices.filter { [0, 3].contains(holding($0)) }.map { transactions[$0] }
    let recent = transactions.indices.filter { holding($0) == 3 }.map { transactions[$0] }
    reconstruction.fill(from: mempool)
    reconstruction.fill(from: recent)
    let missing = reconstruction.missingIndexes
    check(missing, in: message)
    // What the node was offered is found, and what it was not is asked for (unless the same
    // transaction stands elsewhere in the block too). A different transaction with the same 48-bit
    // short id could change that, but no input can make one.
    let offered = Set((mempool + recent).map(\.wtxid))
    let prefilledIndexes = Set(message.prefilledTransactions.map(\.index))
    for index in transactions.indices where !prefilledIndexes.contains(index) {
        precondition(
            missing.contains(index) != offered.contains(transactions[index].wtxid),
            "position \(index) missing: \(missing.contains(index)), offered: \(offered.contains(transactions[index].wtxid))"
        )
    }

    if missing.isEmpty {
        switch Result(catching: { () throws(BlockReconstruction.Failure) in try reconstruction.block }) {
        case .success(let rebuilt): precondition(consistent && rebuilt == block, "rebuilt another block")
        case .failure(let failure): precondition(!consistent && failure == .merkleRootMismatch, "\(failure)")
        }
    }

    let request = GetBlockTransactionsMessage(blockHash: block.hash, indexes: missing)
    precondition(try! GetBlockTransactionsMessage(decoding: request.encoded) == request)
    guard var answer = BlockTransactionsMessage(answering: request, from: block)?.transactions else {
        preconditionFailure("a getblocktxn of missing positions has no answer")
    }
    let honest = (flags >> 1) & 3 == 0
    switch (flags >> 1) & 3 {
    case 1: if !answer.isEmpty { answer.removeLast() }
    case 2: if answer.count >= 2 { answer.swapAt(answer.count - 1, answer.count - 2) }
    case 3: if !answer.isEmpty { answer[answer.count / 2] = decoy(from: nonce) }
    default: break
    }
    let reply = BlockTransactionsMessage(blockHash: block.hash, transactions: answer)
    switch Result(catching: { () throws(BlockReconstruction.Failure) in try reconstruction.complete(with: reply) }) {
    case .success(let rebuilt):
        checkMatchesItsHeader(rebuilt)
        if honest { precondition(consistent && rebuilt == block, "an honest answer rebuilt another block") }
    case .failure(.wrongTransactionCount(let expected, let received)):
        precondition(expected == missing.count && received == answer.count && received != expected)
    case .failure(.merkleRootMismatch):
        precondition(!consistent || !honest, "an honest answer to a consistent block did not rebuild it")
    case .failure(.shortIDCollision):
        preconditionFailure("a collision once the message was taken")
    }
}

/// Missing positions increase, lie within the block and are none of the prefilled ones.
private func check(_ missing: [Int], in message: CompactBlockMessage) {
    let prefilled = Set(message.prefilledTransactions.map(\.index))
    precondition(zip(missing, missing.dropFirst()).allSatisfy { $0 < $1 }, "missing positions out of order")
    precondition(missing.allSatisfy { $0 >= 0 && $0 < message.transactionCount && !prefilled.contains($0) })
}

private func checkMatchesItsHeader(_ block: Block) {
    precondition(block.computedMerkleRoot == block.header.merkleRoot, "a rebuilt block its header does not commit to")
}

/// A transaction no block of these inputs holds: its version is the nonce's low half, its only output
/// pays the nonce.
private func decoy(from nonce: UInt64) -> Transaction {
    Transaction(
        version: UInt32(truncatingIfNeeded: nonce), inputs: [],
        outputs: [TxOutput(amount: nonce, address: AddressHash(bytes: [UInt8](repeating: 0xdc, count: 20))!)])
}
