import NIOHTTP1

/// Matches a request to a handler by method and path pattern ("api/blocks/:id": a segment that
/// starts with ':' matches any one segment and is handed to the handler). A path that matches
/// with another method is a 405, one that matches nothing a 404.
struct Router: Sendable {
    typealias Handler = @Sendable (_ parameters: [String], _ request: HTTPRequest) throws -> HTTPResponse
    private var routes: [(method: HTTPMethod, pattern: [String], handler: Handler)] = []

    mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        routes.append((method, pattern.split(separator: "/").map(String.init), handler))
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        var pathKnown = false
        for route in routes {
            guard let parameters = match(route.pattern, request.path) else { continue }
            guard route.method == request.method else {
                pathKnown = true
                continue
            }
            do {
                return try route.handler(parameters, request)
            } catch let error as APIError {
                return .error(error.status, error.message)
            } catch {
                return .error(.internalServerError, "\(error)")
            }
        }
        if pathKnown {
            return .error(
                .methodNotAllowed, "\(request.method) is not allowed on /\(request.path.joined(separator: "/"))")
        }
        return .error(.notFound, "no such endpoint: /\(request.path.joined(separator: "/"))")
    }

    private func match(_ pattern: [String], _ path: [String]) -> [String]? {
        guard pattern.count == path.count else { return nil }
        var parameters: [String] = []
        for (expected, actual) in zip(pattern, path) {
            if expected.hasPrefix(":") { parameters.append(actual) } else if expected != actual { return nil }
        }
        return parameters
    }
}
