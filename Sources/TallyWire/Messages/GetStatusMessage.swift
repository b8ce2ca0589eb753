/// `getstatus` (Tally's own, for `tally-probe`): asks for one `status` (Protocol.md §13.4). Empty.
public struct GetStatusMessage: EmptyPayload {
    public static let command = "getstatus"
    public init() {}
}
