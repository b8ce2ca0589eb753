/// "host:port", "[v6]:port" → host and port: how peers, the probe and the wallet name a node.
public func splitHostPort(_ target: String) -> (host: String, port: Int)? {
    guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]) else {
        return nil
    }
    var host = String(target[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, port)
}
