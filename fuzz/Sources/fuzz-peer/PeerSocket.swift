import NIOCore
@_spi(Fuzzing) import TallyNet
import TallyWire

/// The peer's end of the connection, first in the pipeline (next to the channel): what the node
/// writes reaches the peer at once (a peer that reads), or, while `holding`, stays queued with its
/// promise pending, as on a socket whose peer does not read (its receive window and our send
/// buffer full). `EmbeddedChannel` completes every write as soon as it is flushed and has no send
/// buffer: its `isWritable` is a flag that nothing reads, and the node does not look at
/// writability anyway (its back-pressure is each write's promise, charged to the peer's
/// `OutputBudget` until it completes). So holding the writes here is what fills the node's output
/// budget, as a peer that does not read would.
///
/// Like a socket, it keeps each write until it is flushed, and a close fails what was not sent
/// (`EmbeddedChannel` would keep an unflushed write's promise pending for ever: the node's answers
/// written in the turn that ends with a malformed message are never flushed, and the promise, its
/// callbacks and the event loop leaked).
///
/// Each write is decoded when it is made: it must be whole frames of the regtest network, each
/// decoding exactly. `written` lists the messages in the order the node wrote them, held or not;
/// `delivered` the order they reached the peer.
final class PeerSocket: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Held {
        let buffer: ByteBuffer
        let promise: EventLoopPromise<Void>?
        let messages: [Message]
    }

    private var context: ChannelHandlerContext?
    private(set) var holding = false
    /// Written and not yet flushed.
    private var unflushed: [Held] = []
    private var held: [Held] = []
    /// The bytes held.
    private(set) var heldBytes = 0
    /// Messages written since `takeWritten`, when they were written.
    private var written: [Message] = []
    /// Messages that reached the peer since `takeDelivered`.
    private var delivered: [Message] = []

    // Since `hold()`: whether the held writes cost more than `limit` (the node's budget is spent),
    // and what was written after that.
    private var limit = Int.max
    private(set) var spentAt: Int?
    /// Transactions written after the budget was spent (a `getdata` run already under way).
    private(set) var transactionsAfterSpent = 0
    /// What everything else written after the budget was spent costs.
    private(set) var otherCostAfterSpent = 0

    /// The writes held, costed as `OutputBudget` counts them.
    var heldCost: Int { heldBytes + held.count * OutputBudget.perWriteCost }
    var heldCount: Int { held.count }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        failHeld()
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        let messages = PeerSocket.decode(Array(buffer.readableBytesView))
        written += messages
        unflushed.append(Held(buffer: buffer, promise: promise, messages: messages))
    }

    func flush(context: ChannelHandlerContext) {
        let writes = unflushed
        unflushed = []
        guard holding else {
            for write in writes {
                delivered += write.messages
                context.write(wrapOutboundOut(write.buffer), promise: write.promise)
            }
            context.flush()
            return
        }
        for write in writes {
            if spentAt != nil {
                if write.messages.count == 1, case .tx = write.messages[0] {
                    transactionsAfterSpent += 1
                } else {
                    otherCostAfterSpent += write.buffer.readableBytes + OutputBudget.perWriteCost
                }
            }
            held.append(write)
            heldBytes += write.buffer.readableBytes
            if spentAt == nil, heldCost > limit { spentAt = heldCost }
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        failHeld()
        context.close(mode: mode, promise: promise)
    }

    /// From now on the peer reads nothing: writes are held. `limit`: the node's output budget.
    func hold(limit: Int) {
        guard !holding else { return }
        holding = true
        self.limit = limit
        spentAt = nil
        transactionsAfterSpent = 0
        otherCostAfterSpent = 0
    }

    /// The peer reads again: everything held is written, in order, and flushed.
    func release() {
        guard holding else { return }
        holding = false
        let writes = held
        held = []
        heldBytes = 0
        guard let context else {
            for write in writes { write.promise?.fail(ChannelError.ioOnClosedChannel) }
            return
        }
        for write in writes {
            delivered += write.messages
            context.write(wrapOutboundOut(write.buffer), promise: write.promise)
        }
        context.flush()
    }

    func takeWritten() -> [Message] {
        defer { written.removeAll() }
        return written
    }

    func takeDelivered() -> [Message] {
        defer { delivered.removeAll() }
        return delivered
    }

    /// The connection closes: what was held or not flushed never reaches the peer.
    private func failHeld() {
        let writes = unflushed + held
        unflushed = []
        held = []
        heldBytes = 0
        for write in writes { write.promise?.fail(ChannelError.ioOnClosedChannel) }
    }

    /// The frames of one write: it must hold whole frames only, each decoding exactly.
    static func decode(_ bytes: [UInt8]) -> [Message] {
        var messages: [Message] = []
        var offset = 0
        while offset < bytes.count {
            let frame: (message: Message, byteCount: Int)?
            do {
                frame = try codec.decodeFrame(bytes, at: offset)
            } catch {
                preconditionFailure("the node sent a frame that does not decode: \(error)")
            }
            guard let frame else { preconditionFailure("the node wrote part of a frame (\(bytes.count) bytes)") }
            offset += frame.byteCount
            messages.append(frame.message)
        }
        return messages
    }
}
