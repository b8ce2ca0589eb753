/// `verack`: acknowledges the peer's `version` (Protocol.md §13.4, §13.5). Empty.
public struct VerackMessage: EmptyPayload {
    public static let command = "verack"
    public init() {}
}
