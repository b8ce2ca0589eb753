import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The node's HTTP server (SwiftNIO's HTTP/1 handlers): a request is read whole (its body at most
/// `maximumBody` bytes: a larger one is answered 413 at once and the connection closed), answered
/// by the router off the event loop (handlers wait for the node), and written back; keep-alive as
/// the client asks. It runs on an event loop of its own, and holds a bounded number of connections,
/// each only while it is used (`Limits`), so a crowd of HTTP clients never starves the P2P side.
public final class HTTPServer: Sendable {
    static let maximumBody = 2_200_000

    /// Protocol.md §15 states these.
    struct Limits: Sendable {
        /// A request head must arrive whole within this of the connection opening or of the
        /// previous response.
        var headTimeout: TimeAmount = .seconds(10)
        /// A connection that reads and writes nothing for this long is closed.
        var idleTimeout: TimeAmount = .seconds(60)
        /// Connections served at once; the next ones are answered 503.
        var maximumConnections = 512
        /// Connections being answered 503 at once; beyond them a new connection is closed unanswered.
        var maximumRefusals = 64
        /// How long a refused connection stays open for its 503 to reach the client.
        var refusalLinger: TimeAmount = .seconds(1)
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let work = DispatchQueue(label: "tally.http", attributes: .concurrent)
    private let router: Router
    private let limits: Limits
    private let connections: ConnectionLimit
    let logger: Logger
    private let channel = Mutex<Channel?>(nil)

    init(router: Router, logger: Logger, limits: Limits = Limits()) {
        self.router = router
        self.logger = logger
        self.limits = limits
        connections = ConnectionLimit(serving: limits.maximumConnections, refusing: limits.maximumRefusals)
    }

    /// Binds `host:port` (port 0: any free one) and returns the port bound.
    func start(host: String, port: Int) throws -> Int {
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1_024)
            .childChannelInitializer { [self] channel in admit(channel) }
            .bind(host: host, port: port).wait()
        self.channel.withLock { $0 = channel }
        return channel.localAddress?.port ?? port
    }

    /// Serves the connection, answers it 503, or closes it, as the limit allows; the slot comes
    /// back when the connection closes.
    private func admit(_ channel: Channel) -> EventLoopFuture<Void> {
        let admission = connections.admit()
        if admission != .drop {
            channel.closeFuture.whenComplete { [connections] _ in connections.release(admission) }
        }
        switch admission {
        case .serve:
            return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing { [self] in
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(IdleStateHandler(allTimeout: limits.idleTimeout), position: .first)
                try pipeline.addHandler(ConnectionTimeouts(headTimeout: limits.headTimeout))
                try pipeline.addHandler(RequestHandler(server: self))
            }
        case .refuse:
            logger.debug("HTTP connection refused: \(limits.maximumConnections) already open")
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    BusyResponder(maximumConnections: limits.maximumConnections, linger: limits.refusalLinger))
            }
        case .drop:
            // A failed initializer makes NIO close the accepted socket before it is registered.
            return channel.eventLoop.makeFailedFuture(ConnectionLimit.Full())
        }
    }

    public func stop() {
        try? channel.withLock { $0 }?.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Answers off the loop, then hands the response back to it.
    func answer(_ request: HTTPRequest, on loop: EventLoop) -> EventLoopFuture<HTTPResponse> {
        let promise = loop.makePromise(of: HTTPResponse.self)
        work.async { [router] in promise.succeed(router.respond(to: request)) }
        return promise.futureResult
    }

    private final class RequestHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let server: HTTPServer
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(server: HTTPServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
                let declared = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
                if declared > HTTPServer.maximumBody { refuseOversize(context: context) }
            case .body(var chunk):
                guard head != nil else { return }
                guard body.count + chunk.readableBytes <= HTTPServer.maximumBody else {
                    return refuseOversize(context: context)
                }
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            case .end:
                guard let head else { return }
                self.head = nil
                guard let request = HTTPRequest(method: head.method, uri: head.uri, body: body) else {
                    return write(
                        .error(.badRequest, "'\(head.uri.prefix(100))' is not a path"), for: head,
                        keepAlive: head.isKeepAlive,
                        context: context)
                }
                body = []
                let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                server.answer(request, on: context.eventLoop).whenSuccess { response in
                    bound.value.handler.write(
                        response, for: head, keepAlive: head.isKeepAlive, context: bound.value.context)
                }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            server.logger.debug("HTTP connection from \(context.remoteAddress.map { "\($0)" } ?? "?"): \(error)")
            context.close(promise: nil)
        }

        /// Answers 413 as soon as the body is known to be too large, without reading the rest, and
        /// hangs up.
        private func refuseOversize(context: ChannelHandlerContext) {
            guard let head else { return }
            self.head = nil
            body = []
            write(
                .error(.payloadTooLarge, "the body is over \(HTTPServer.maximumBody) bytes"), for: head,
                keepAlive: false, context: context)
        }

        private func write(
            _ response: HTTPResponse, for request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
        ) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            headers.add(name: "Content-Length", value: "\(response.body.count)")
            headers.add(name: "Cache-Control", value: "no-store")
            headers.add(name: "X-Content-Type-Options", value: "nosniff")
            // The page loads nothing but its own files and the API: say so, so that nothing else runs.
            headers.add(name: "Content-Security-Policy", value: "default-src 'self'; img-src 'self' data:")
            headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            context.write(
                wrapOutboundOut(
                    .head(HTTPResponseHead(version: request.version, status: response.status, headers: headers))),
                promise: nil)
            if request.method != .HEAD {
                context.write(
                    wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                    promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            let channel = context.channel
            if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
        }
    }
}
