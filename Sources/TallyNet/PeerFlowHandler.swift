import NIOCore
import TallyWire

/// Back-pressure for one peer, at the socket end of its pipeline: every frame written to the peer
/// is charged to its `OutputBudget` until it reaches the socket, and messages are cut from what it
/// sent one at a time, only while the budget has room and the manager does not hold reading (its
/// requests wait for the chain). So a peer that asks and never reads is stopped *before its next
/// request is decoded* — not after a whole 64 KB read has been turned into 2,000 answers — and
/// what it sent beyond that waits undecoded: a read's worth of bytes, not the answers to it.
/// Stopping also withholds NIO's `read()` (the pattern of NIO's `BackPressureHandler`), so the
/// kernel, not the node, holds the rest. Two more rules keep a flood of cheap requests from taking
/// the event loop: at most `messagesPerTurn` messages are decoded per turn of the loop (the rest
/// on the next turn, after every other peer's I/O), and the answers written meanwhile go to the
/// socket in one flush at the end, not one system call each. On the channel's event loop; not
/// `Sendable`.
final class PeerFlowHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ReceivedMessage
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent down the pipeline (to `PeerHandler`) when a spent budget is given back: time to serve
    /// what waits.
    struct OutputRestored {}

    private var decoder: FrameDecoder
    private(set) var budget: OutputBudget
    /// Requests the peer may still send before its reading waits; nil: no limit.
    private var requestRate: TokenBucket?
    /// Reading waits until the request rate allows one more.
    private var rateWaiting = false
    /// Bytes read and not yet decoded.
    private var received: ByteBuffer?
    /// The manager's hold: too many of the peer's requests wait for the chain.
    private var workHeld = false
    /// NIO asked to read while we were stopped; we ask for it when we start again.
    private var readWithheld = false
    private var decoding = false
    /// A flush asked for while decoding, done once the turn's messages are handled.
    private var flushWithheld = false
    /// The turn's share of messages was decoded with more waiting: the rest is decoded next turn.
    private var continuing = false
    private var failed = false
    private var context: ChannelHandlerContext?

    /// Messages decoded from one peer per turn of the event loop: a 64 KB read of `ping`s is 2,048
    /// of them, which would keep every other peer waiting. The rest waits `turnPause`.
    static let messagesPerTurn = 64

    private let turnPause: TimeAmount

    init(network: Network, budget: OutputBudget, requestRate: TokenBucket?, turnPause: TimeAmount) {
        decoder = FrameDecoder(network: network)
        self.budget = budget
        self.requestRate = requestRate
        self.turnPause = turnPause
    }

    /// Whether requests are decoded now.
    var isReading: Bool { budget.hasRoom && !workHeld && !rateWaiting && !failed }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// The manager stops (or lets go of) reading while the peer's requests wait for the chain.
    func holdReading(_ hold: Bool) {
        guard hold != workHeld else { return }
        workHeld = hold
        if !hold { resume() }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a malformed message nothing more is read: the manager is closing the peer.
        guard !failed else { return }
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        decodeWhileReading(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if isReading && !continuing {
            context.read()
        } else {
            readWithheld = true
        }
    }

    /// Cuts and hands on messages while reading is allowed, up to this turn's share; each one's
    /// answer is charged before the next is looked at. Re-entered (an answer written, a hold lifted,
    /// during a message) it leaves the work to the loop already running.
    private func decodeWhileReading(context: ChannelHandlerContext) {
        // Already decoding, or this turn's share is spent (NIO may deliver a few reads more from
        // one readiness event): the bytes wait for the continuation.
        guard !decoding, !continuing else { return }
        decoding = true
        var decoded = 0
        while isReading, received != nil {
            if decoded == Self.messagesPerTurn {
                continueNextTurn(context: context)
                break
            }
            if requestRateSpent(context: context) { break }
            let message: ReceivedMessage?
            do {
                message = try decoder.next(from: &received!)
            } catch {
                failed = true
                received = nil
                decoding = false
                context.fireErrorCaught(error)
                return
            }
            guard let message else { break }
            decoded += 1
            if message.message.isRequest { _ = requestRate?.take(1) }
            context.fireChannelRead(wrapInboundOut(message))
        }
        if let bytes = received, bytes.readableBytes == 0 {
            received = nil
        } else {
            received?.discardReadBytes()
        }
        decoding = false
        if flushWithheld {
            flushWithheld = false
            context.flush()
        }
    }

    private func continueNextTurn(context: ChannelHandlerContext) {
        guard !continuing else { return }
        continuing = true
        context.eventLoop.assumeIsolated().scheduleTask(in: turnPause) {
            self.continuing = false
            self.resume()
        }
    }

    /// Whether the peer has sent all the requests its rate allows for now; if so, reading starts
    /// again once it allows one more. Checked before each message, so a request is never decoded
    /// past the limit (the next message may not be a request, but it waits too: reading is in order).
    private func requestRateSpent(context: ChannelHandlerContext) -> Bool {
        guard var bucket = requestRate else { return false }
        let wait = bucket.wait(for: 1)
        requestRate = bucket
        guard wait > 0 else { return false }
        rateWaiting = true
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(wait * 1e9))) {
            self.rateWaiting = false
            self.resume()
        }
        return true
    }

    private func resume() {
        guard let context, isReading else { return }
        decodeWhileReading(context: context)
        if isReading && !continuing && readWithheld {
            readWithheld = false
            context.read()
        }
    }

    // MARK: Writing

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        _ = budget.charge(bytes)
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenComplete { _ in self.released(bytes) }
        context.write(data, promise: written)
    }

    func flush(context: ChannelHandlerContext) {
        if decoding {
            flushWithheld = true
        } else {
            context.flush()
        }
    }

    private func released(_ bytes: Int) {
        guard budget.release(bytes) else { return }
        // Given back from inside NIO's flush: the reading and serving it allows start on the next
        // turn of the loop, not in the middle of a write.
        guard let context else { return }
        context.eventLoop.assumeIsolated().execute {
            guard let context = self.context, self.budget.hasRoom else { return }
            self.resume()
            context.fireUserInboundEventTriggered(OutputRestored())
        }
    }
}
