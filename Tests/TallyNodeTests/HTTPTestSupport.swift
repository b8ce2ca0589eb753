import Foundation
import Testing

/// openapi.json, read from the source tree: its operations, and a validator for the subset of JSON
/// Schema it uses (type, required, properties, items, enum, $ref).
struct OpenAPIDocument: @unchecked Sendable {
    let root: [String: Any]

    static func load() -> OpenAPIDocument {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Sources/TallyHTTP/Explorer/openapi.json")
        let data = try! Data(contentsOf: url)
        return OpenAPIDocument(root: try! JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    private var paths: [String: [String: Any]] { root["paths"] as? [String: [String: Any]] ?? [:] }

    /// Every operation, as "METHOD /template".
    var operations: Set<String> {
        Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
    }

    /// The template ("/api/blocks/{id}") a concrete path matches, if any.
    func template(for path: String) -> String? {
        let segments = path.split(separator: "?")[0].split(separator: "/")
        return paths.keys.first { template in
            let parts = template.split(separator: "/")
            return parts.count == segments.count && zip(parts, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    /// The JSON schema of the answer `status` to `method` on `template`, nil if the document has none.
    func responseSchema(method: String, template: String, status: Int) -> [String: Any]? {
        guard let operation = paths[template]?[method.lowercased()] as? [String: Any],
            var response = (operation["responses"] as? [String: Any])?["\(status)"] as? [String: Any]
        else { return nil }
        if let ref = response["$ref"] as? String { response = resolve(ref) }
        return ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
            as? [String: Any]
    }

    private func resolve(_ ref: String) -> [String: Any] {
        ref.dropFirst(2).split(separator: "/").reduce(root as Any) { ($0 as? [String: Any])?[String($1)] as Any }
            as? [String: Any] ?? [:]
    }

    /// What in `value` breaks `schema` (empty: it conforms).
    func violations(of value: Any, _ schema: [String: Any], at location: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String { return violations(of: value, resolve(ref), at: location) }
        let number = value as? NSNumber
        let kind = number.map { String(cString: $0.objCType) }
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(location) is not an object"] }
            var found = ((schema["required"] as? [String]) ?? []).filter { object[$0] == nil }.map {
                "\(location).\($0) is missing"
            }
            for (name, property) in (schema["properties"] as? [String: [String: Any]]) ?? [:] {
                if let field = object[name] { found += violations(of: field, property, at: "\(location).\(name)") }
            }
            let unknown = Set(object.keys).subtracting((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
            return found + unknown.map { "\(location).\($0) is not in the document" }
        case "array":
            guard let array = value as? [Any] else { return ["\(location) is not an array"] }
            let items = schema["items"] as? [String: Any] ?? [:]
            return array.enumerated().flatMap { violations(of: $1, items, at: "\(location)[\($0)]") }
        case "string":
            guard let text = value as? String else { return ["\(location) is not a string"] }
            if let options = schema["enum"] as? [String], !options.contains(text) {
                return ["\(location) '\(text)' is not one of \(options)"]
            }
            return []
        case "integer":
            return number != nil && kind != "c" && kind != "d" && kind != "f" ? [] : ["\(location) is not an integer"]
        case "number":
            return number != nil && kind != "c" ? [] : ["\(location) is not a number"]
        case "boolean":
            return kind == "c" ? [] : ["\(location) is not a boolean"]
        default:
            return []
        }
    }
}

/// A plain HTTP/1.1 client on a socket, one request per connection, that checks every JSON answer
/// against the document and remembers which operations were called.
final class HTTPTestClient: @unchecked Sendable {
    let port: Int
    let document: OpenAPIDocument
    private(set) var exercised = Set<String>()

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    init(port: Int, document: OpenAPIDocument) {
        self.port = port
        self.document = document
    }

    /// `body`: a JSON value to send, or a String sent as it is.
    func request(_ method: String, _ path: String, body: Any? = nil, raw: [UInt8]? = nil) throws -> Answer {
        var payload = raw ?? []
        if let text = body as? String {
            payload = Array(text.utf8)
        } else if let body {
            payload = Array(try JSONSerialization.data(withJSONObject: body))
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if body != nil || raw != nil {
            head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n"
        }
        let bytes = try exchange(Array((head + "\r\n").utf8) + payload)
        let answer: Answer
        do {
            answer = try Self.parse(bytes)
        } catch {
            throw Failure(message: "\(method) \(path): \(error)")
        }
        if let template = document.template(for: path), document.operations.contains("\(method) \(template)") {
            exercised.insert("\(method) \(template)")
            if let schema = document.responseSchema(method: method, template: template, status: answer.status) {
                let value = try JSONSerialization.jsonObject(with: Data(answer.body))
                let problems = document.violations(of: value, schema)
                #expect(problems.isEmpty, "\(method) \(path) → \(answer.status) breaks the document: \(problems)")
            } else if (document.responseSchema(method: method, template: template, status: 200) != nil
                || answer.status >= 400)
                && !(answer.headers["content-type"] ?? "").hasPrefix("text/")
            {
                Issue.record("\(method) \(path) answered \(answer.status), which the document does not list")
            }
        }
        return answer
    }

    func json(_ method: String, _ path: String, body: Any? = nil, expect status: Int = 200) throws -> [String: Any] {
        let answer = try request(method, path, body: body)
        guard answer.status == status else {
            throw Failure(message: "\(method) \(path): \(answer.status) \(answer.text)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any] else {
            throw Failure(message: "\(method) \(path): not a JSON object")
        }
        return object
    }

    func text(_ path: String, contentType: String) throws -> String {
        let answer = try request("GET", path)
        guard answer.status == 200, answer.headers["content-type"]?.hasPrefix(contentType) == true else {
            throw Failure(message: "GET \(path): \(answer.status) \(answer.headers["content-type"] ?? "")")
        }
        return answer.text
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private func exchange(_ request: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(message: "cannot connect to 127.0.0.1:\(port)") }
        var offset = 0
        while offset < request.count {
            let sent = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { break }  // the server may answer (413) and close before reading it all
            offset += sent
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return response
    }

    private static func parse(_ bytes: [UInt8]) throws -> Answer {
        guard
            let split = (0..<max(0, bytes.count - 3)).first(where: {
                bytes[$0..<$0 + 4].elementsEqual([13, 10, 13, 10])
            })
        else {
            throw Failure(message: "no HTTP answer (\(bytes.count) bytes)")
        }
        let lines = String(decoding: bytes[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure(message: "bad status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: Array(bytes[(split + 4)...]))
    }
}

/// The Prometheus text exposition format (version 0.0.4), parsed strictly enough to catch a
/// malformed line: `# HELP`/`# TYPE` comments, then `name{label="value",...} number [timestamp]`.
struct PrometheusText {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        let line: String
        var description: String { "not Prometheus text: '\(line)'" }
    }

    private(set) var samples: [Sample] = []
    private(set) var types: [String: String] = [:]

    init(parsing text: String) throws {
        let name = #/[a-zA-Z_:][a-zA-Z0-9_:]*/#
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count >= 4, parts[1] == "TYPE" {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3])) else {
                        throw Malformed(line: String(line))
                    }
                    types[String(parts[2])] = String(parts[3])
                }
                continue
            }
            guard let match = line.wholeMatch(of: #/([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( -?\d+)?/#),
                let value = Double(match.3)
                    ?? (match.3 == "+Inf" ? .infinity : match.3 == "-Inf" ? -.infinity : match.3 == "NaN" ? .nan : nil)
            else { throw Malformed(line: String(line)) }
            var labels: [String: String] = [:]
            if let block = match.2 {
                let inner = block.dropFirst().dropLast()
                for pair in inner.split(separator: ",") where !pair.isEmpty {
                    guard let pairMatch = pair.wholeMatch(of: #/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/#) else {
                        throw Malformed(line: String(line))
                    }
                    labels[String(pairMatch.1)] = String(pairMatch.2)
                }
            }
            guard String(match.1).wholeMatch(of: name) != nil else { throw Malformed(line: String(line)) }
            samples.append(Sample(name: String(match.1), labels: labels, value: value))
        }
    }

    func value(_ name: String, labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?
            .value
    }

    func type(_ name: String) -> String? { types[name] }
}
