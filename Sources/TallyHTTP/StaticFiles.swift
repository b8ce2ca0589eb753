import Foundation

/// The explorer page, its script and style, and the OpenAPI document: files shipped with the
/// module (SwiftPM resources), read once at start so a request never touches the disk.
struct StaticFiles: Sendable {
    static let names = ["index.html", "app.js", "style.css", "openapi.json"]
    private let contents: [String: [UInt8]]

    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "the explorer file '\(name)' is missing beside the executable (TallyHTTP resources)" }
    }

    init() throws {
        var contents: [String: [UInt8]] = [:]
        for name in Self.names {
            let url = Bundle.module.resourceURL!.appendingPathComponent("Explorer").appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else { throw Missing(name: name) }
            contents[name] = Array(data)
        }
        self.contents = contents
    }

    func response(for name: String) throws -> HTTPResponse {
        guard let body = contents[name] else { throw APIError.notFound("no such file: \(name)") }
        let type =
            switch name.split(separator: ".").last {
            case "html": "text/html; charset=utf-8"
            case "js": "text/javascript; charset=utf-8"
            case "css": "text/css; charset=utf-8"
            default: "application/json"
            }
        return HTTPResponse(status: .ok, contentType: type, body: body)
    }
}
