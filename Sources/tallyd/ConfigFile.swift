import Foundation
import TallyCommandLine
import TallyNet
import TallyWire

/// `tally.conf`: one `option = value` per line, named as the flags of `tallyd run` without the
/// dashes, `#` starting a comment. Read from `--conf FILE`, else from `DATADIR/tally.conf` when it
/// exists. The file's options come first and the command line's after them, so a flag on the command
/// line wins; a repeatable option given on the command line replaces the file's values.
enum ConfigFile {
    enum Kind: Equatable {
        case flag, integer, number, text
        /// A port, 1 to 65535 (0 too where `allowingAny`: a port to listen on).
        case port(allowingAny: Bool)
        /// host:port, its port as `.port`'s.
        case hostPort(allowingAnyPort: Bool)
    }

    /// The options that may be given more than once, each time one more value.
    static let repeatable: Set<String> = ["peer"]

    /// Every option of `tallyd run` a file may set (a test checks this against `tallyd run --help`).
    static let options: [String: Kind] = [
        "regtest": .flag, "datadir": .text, "log-level": .text,
        "mine": .flag, "threads": .integer, "reward-address": .text, "mine-interval": .number,
        "port": .port(allowingAny: true), "bind": .text, "peer": .hostPort(allowingAnyPort: false),
        "discovery-port": .port(allowingAny: false), "discovery-address": .text,
        "no-discovery": .flag, "no-ban": .flag, "max-inbound": .integer, "max-outbound": .integer, "no-network": .flag,
        "http": .hostPort(allowingAnyPort: true), "snapshot-every": .integer,
        "snapshot-keep": .integer,
    ]

    struct Setting: Equatable {
        let name: String
        let value: String
        let line: Int
    }

    /// The settings of a file's text, or a failure naming the first bad line.
    static func parse(_ text: String, path: String) throws -> [Setting] {
        var settings: [Setting] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw CommandFailure("\(path) line \(number): '\(trimmed)' is not 'option = value'")
            }
            var name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("--") { name.removeFirst(2) }
            guard let kind = options[name] else {
                throw CommandFailure(
                    "\(path) line \(number): unknown option '\(name)' (the options are those of 'tallyd --help', without the dashes)"
                )
            }
            guard !value.isEmpty else { throw CommandFailure("\(path) line \(number): '\(name)' has no value") }
            switch kind {
            case .flag:
                guard ["true", "false", "1", "0", "yes", "no"].contains(value.lowercased()) else {
                    throw CommandFailure("\(path) line \(number): '\(name)' is true or false, not '\(value)'")
                }
            case .integer:
                guard Int(value) != nil else {
                    throw CommandFailure("\(path) line \(number): '\(name)' needs a whole number, not '\(value)'")
                }
            case .number:
                guard Double(value) != nil else {
                    throw CommandFailure("\(path) line \(number): '\(name)' needs a number, not '\(value)'")
                }
            case .port(let allowingAny):
                guard Port.parse(value, allowingAny: allowingAny) != nil else {
                    throw CommandFailure(
                        "\(path) line \(number): '\(name)' is a port, \(Port.rangeDescription(allowingAny: allowingAny)), not '\(value)'"
                    )
                }
            case .hostPort(let allowingAnyPort):
                do { _ = try HostPort(parsing: value, allowingAnyPort: allowingAnyPort) } catch {
                    throw CommandFailure("\(path) line \(number): '\(name)': \(error)")
                }
            case .text:
                break
            }
            if !repeatable.contains(name), let earlier = settings.first(where: { $0.name == name }) {
                throw CommandFailure(
                    "\(path) line \(number): '\(name)' was already set on line \(earlier.line); only 'peer' may repeat")
            }
            settings.append(Setting(name: name, value: value, line: number))
        }
        return settings
    }

    /// The command-line arguments the settings stand for, leaving out those the command line sets.
    static func arguments(_ settings: [Setting], overriddenBy commandLine: [String]) -> [String] {
        let given = Set(
            commandLine.compactMap { argument -> String? in
                guard argument.hasPrefix("--") else { return nil }
                return String(argument.dropFirst(2).prefix { $0 != "=" })
            })
        var arguments: [String] = []
        for setting in settings where !given.contains(setting.name) {
            if options[setting.name] == .flag {
                if ["true", "1", "yes"].contains(setting.value.lowercased()) { arguments.append("--\(setting.name)") }
            } else {
                arguments += ["--\(setting.name)", setting.value]
            }
        }
        return arguments
    }

    /// The arguments `tallyd` runs with: for the node (`run`, the default), the configuration file's
    /// settings before the command line's. Other subcommands take the command line as it is.
    static func expand(_ commandLine: [String], subcommands: [String]) throws -> [String] {
        var rest = commandLine
        if let first = rest.first, first != "run", subcommands.contains(first) || first == "help" { return commandLine }
        if rest.first == "run" { rest.removeFirst() }
        if rest.contains(where: { ["-h", "--help", "--version", "--experimental-dump-help"].contains($0) }) {
            return commandLine
        }
        let explicit = value(of: "conf", in: rest)
        let path: String
        if let explicit {
            path = explicit
        } else {
            let network: Network = rest.contains("--regtest") ? .regtest : .main
            let directory =
                value(of: "datadir", in: rest).map { URL(fileURLWithPath: $0) } ?? defaultDataDirectory(for: network)
            path = directory.appendingPathComponent("tally.conf").path
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            if explicit != nil {
                let reason =
                    FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "there is no such file"
                throw CommandFailure("cannot read the configuration file \(path): \(reason)")
            }
            return commandLine
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("the configuration file \(path) is not UTF-8 text")
        }
        let settings = try parse(text, path: path)
        return ["run"] + arguments(settings, overriddenBy: rest) + rest
    }

    /// The value of `--name VALUE` or `--name=VALUE`, the last one given.
    static func value(of name: String, in arguments: [String]) -> String? {
        var found: String?
        for (index, argument) in arguments.enumerated() {
            if argument == "--\(name)", index + 1 < arguments.count { found = arguments[index + 1] }
            if argument.hasPrefix("--\(name)=") { found = String(argument.dropFirst(name.count + 3)) }
        }
        return found
    }
}

/// `~/.tally/NETWORK`, with `$HOME` honoured as every Unix tool does.
func defaultDataDirectory(for network: Network) -> URL {
    let home =
        ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser
    return home.appendingPathComponent(".tally").appendingPathComponent(network.rawValue)
}
