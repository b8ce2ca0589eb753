/// `getaddr`: asks for addresses of peers, answered by `addr` (Protocol.md §13.4). Empty.
public struct GetAddrMessage: EmptyPayload {
    public static let command = "getaddr"
    public init() {}
}
