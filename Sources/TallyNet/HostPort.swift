/// A TCP or UDP port as people write it (options, the configuration file, the HTTP API): 1 to
/// 65,535, or 0 where "any free port" is meant (a port to listen on). Every port a person gives
/// passes here, so one out of range is refused with a clear message rather than wrapped, clamped or
/// trapped on later.
public enum Port {
    /// The ports one can connect to.
    public static let range = 1...65_535

    /// The port `text` names: decimal digits only (no sign, no spaces), within range; nil otherwise.
    public static func parse(_ text: some StringProtocol, allowingAny: Bool = false) -> Int? {
        // Five digits at most: anything longer is out of range, and `Int(_:)` never sees it.
        guard (1...5).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(text), isValid(port, allowingAny: allowingAny)
        else { return nil }
        return port
    }

    public static func isValid(_ port: Int, allowingAny: Bool = false) -> Bool {
        range.contains(port) || (allowingAny && port == 0)
    }

    /// What a valid port is, for messages.
    public static func rangeDescription(allowingAny: Bool = false) -> String {
        allowingAny ? "1 to 65535, or 0 for any free port" : "1 to 65535"
    }
}

/// "host:port" or "[v6]:port", parsed: how peers, the probe, the wallet, `--http` and the HTTP API
/// name a node.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// No colon, an empty host, or no port after the colon.
        case notHostPort(String)
        /// A port that is not a number in range.
        case portOutOfRange(String, allowingAny: Bool)

        public var description: String {
            switch self {
            case .notHostPort(let text): "'\(text)' is not host:port (e.g. 127.0.0.1:18733)"
            case .portOutOfRange(let text, let allowingAny):
                "'\(text)' has no valid port: a port is \(Port.rangeDescription(allowingAny: allowingAny))"
            }
        }
    }

    /// `allowingAnyPort`: port 0 is accepted (an address to listen on, where 0 asks for any free port).
    public init(parsing text: String, allowingAnyPort: Bool = false) throws(Problem) {
        guard let colon = text.lastIndex(of: ":") else { throw .notHostPort(text) }
        var host = Substring(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !portText.isEmpty else { throw .notHostPort(text) }
        guard let port = Port.parse(portText, allowingAny: allowingAnyPort) else {
            throw .portOutOfRange(text, allowingAny: allowingAnyPort)
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// "host:port", "[v6]:port" → host and port, nil unless the port is 1 to 65535: a target to
/// connect to.
public func splitHostPort(_ target: String) -> (host: String, port: Int)? {
    guard let parsed = try? HostPort(parsing: target) else { return nil }
    return (parsed.host, parsed.port)
}
