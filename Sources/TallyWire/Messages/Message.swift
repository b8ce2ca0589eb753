import TallyCrypto

/// Every peer-to-peer message (Protocol.md §13.4 and the compact blocks of §13.10), and `unknown` for a
/// command this version does not know: such a message is ignored, never punished, so later versions
/// can add messages.
public enum Message: Hashable, Sendable {
    case version(VersionMessage)
    case verack
    case ping(PingMessage)
    case pong(PongMessage)
    case inv(InvMessage)
    case getData(GetDataMessage)
    case notFound(NotFoundMessage)
    case getBlocks(GetBlocksMessage)
    case getHeaders(GetHeadersMessage)
    case headers(HeadersMessage)
    case block(Block)
    case tx(Transaction)
    case getAddr
    case addr(AddrMessage)
    case mempool
    case reject(RejectMessage)
    case getStatus
    case status(StatusMessage)
    case sendCompact(SendCompactMessage)
    case compactBlock(CompactBlockMessage)
    case getBlockTransactions(GetBlockTransactionsMessage)
    case blockTransactions(BlockTransactionsMessage)
    /// A well-formed message with a command not listed above, kept as it came. Sending one with a
    /// known command would send that message.
    case unknown(command: String, payload: [UInt8])

    /// The command in the envelope.
    public var command: String {
        switch self {
        case .version: VersionMessage.command
        case .verack: VerackMessage.command
        case .ping: PingMessage.command
        case .pong: PongMessage.command
        case .inv: InvMessage.command
        case .getData: GetDataMessage.command
        case .notFound: NotFoundMessage.command
        case .getBlocks: GetBlocksMessage.command
        case .getHeaders: GetHeadersMessage.command
        case .headers: HeadersMessage.command
        case .block: Block.command
        case .tx: Transaction.command
        case .getAddr: GetAddrMessage.command
        case .addr: AddrMessage.command
        case .mempool: MempoolMessage.command
        case .reject: RejectMessage.command
        case .getStatus: GetStatusMessage.command
        case .status: StatusMessage.command
        case .sendCompact: SendCompactMessage.command
        case .compactBlock: CompactBlockMessage.command
        case .getBlockTransactions: GetBlockTransactionsMessage.command
        case .blockTransactions: BlockTransactionsMessage.command
        case .unknown(let command, _): command
        }
    }

    /// Whether the node answers this message (Protocol.md §13.8 limits how many a peer may send).
    public var isRequest: Bool {
        switch self {
        case .ping, .getData, .getBlocks, .getHeaders, .getAddr, .mempool, .getStatus, .getBlockTransactions: true
        default: false
        }
    }

    /// The payload bytes.
    public var payload: [UInt8] {
        switch self {
        case .version(let m): m.encoded
        case .ping(let m): m.encoded
        case .pong(let m): m.encoded
        case .inv(let m): m.encoded
        case .getData(let m): m.encoded
        case .notFound(let m): m.encoded
        case .getBlocks(let m): m.encoded
        case .getHeaders(let m): m.encoded
        case .headers(let m): m.encoded
        case .block(let m): m.encoded
        case .tx(let m): m.encoded
        case .addr(let m): m.encoded
        case .reject(let m): m.encoded
        case .status(let m): m.encoded
        case .sendCompact(let m): m.encoded
        case .compactBlock(let m): m.encoded
        case .getBlockTransactions(let m): m.encoded
        case .blockTransactions(let m): m.encoded
        case .verack, .getAddr, .mempool, .getStatus: []
        case .unknown(_, let payload): payload
        }
    }
}
