import Foundation
import NIOHTTP1

/// A request as the API sees it: method, percent-decoded path segments, query and body.
struct HTTPRequest: Sendable {
    let method: HTTPMethod
    let path: [String]
    let query: [String: String]
    let body: [UInt8]

    /// Parses the request line's URI ("/api/blocks?limit=5"); nil when it is not a path.
    init?(method: HTTPMethod, uri: String, body: [UInt8]) {
        guard let components = URLComponents(string: uri), uri.hasPrefix("/") else { return nil }
        self.method = method
        path = components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: true)
            .map { String($0).removingPercentEncoding ?? String($0) }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        self.query = query
        self.body = body
    }
}

struct HTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        HTTPResponse(
            status: status, contentType: "application/json", body: Array((try? encoder.encode(value)) ?? Data()))
    }

    static func error(_ status: HTTPResponseStatus, _ message: String) -> HTTPResponse {
        json(APIModel.Error(error: message), status: status)
    }
}

/// A request the API refuses, with the status and the message the client gets.
struct APIError: Error {
    let status: HTTPResponseStatus
    let message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
}
