import ArgumentParser
import Foundation

/// A failure told to the user as one sentence (what failed, what to do) with the exit code that
/// says which kind it was; README "Exit codes". Usage errors stay `ValidationError` (64).
public struct CommandFailure: Error, CustomStringConvertible {
    public enum Code: Int32, Sendable {
        /// The command could not do what was asked (insufficient funds, a file that cannot be written, …).
        case failure = 1
        /// The node could not be reached.
        case unreachable = 2
        /// The node answered, but not as a Tally node of this network should.
        case badAnswer = 3
    }

    public let message: String
    public let code: Code

    public init(_ message: String, code: Code = .failure) {
        self.message = message
        self.code = code
    }

    public static func unreachable(_ message: String) -> CommandFailure { CommandFailure(message, code: .unreachable) }
    public static func badAnswer(_ message: String) -> CommandFailure { CommandFailure(message, code: .badAnswer) }

    public var description: String { message }
}

/// Runs a command the way every Tally binary does: parsing and usage errors as swift-argument-parser
/// reports them (64), a `CommandFailure` as its sentence and code, and any other error translated
/// into a sentence (never a type name) with code 1.
public enum CommandRunner {
    public static func main<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
        let name = root.configuration.commandName ?? "tally"
        // The argument parser reads "-1" as an unknown option and then reports a missing value or
        // argument; no option of these tools takes a negative number, so say that instead.
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        if let negative = given.first(where: { $0.count > 1 && $0.hasPrefix("-") && $0.dropFirst().first!.isNumber }) {
            report(
                name, "'\(negative)' is negative: amounts, counts, ports and rates are positive numbers (see --help)")
            exit(64)
        }
        var command: ParsableCommand
        do { command = try root.parseAsRoot(arguments) } catch { root.exit(withError: error) }
        do {
            try command.run()
            exit(0)
        } catch let failure as CommandFailure {
            report(name, failure.message)
            exit(failure.code.rawValue)
        } catch let error
            where error is ExitCode || error is CleanExit || error is ValidationError
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
        {
            // Help, version and usage (some as the parser's internal types) are the parser's to print.
            root.exit(withError: error)
        } catch {
            report(name, sentence(for: error))
            exit(CommandFailure.Code.failure.rawValue)
        }
    }

    public static func report(_ name: String, _ message: String) {
        FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
    }
}

/// The system's own words for an errno ("Permission denied").
public func systemMessage(errno code: Int32) -> String { String(cString: strerror(code)) }

/// A sentence for an error of the system or Foundation: the path involved and the system's reason,
/// never the error's type.
public func sentence(for error: Error) -> String {
    if let failure = error as? CommandFailure { return failure.message }
    if let posix = error as? POSIXError { return systemMessage(errno: posix.code.rawValue) }
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return systemMessage(errno: Int32(ns.code)) }
    if ns.domain == NSCocoaErrorDomain {
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var reason: String
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = systemMessage(errno: Int32(underlying.code))
        } else {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
            case .fileWriteFileExists: reason = "a file of that name is in the way"
            case .fileWriteOutOfSpace: reason = "the disk is full"
            case .fileWriteVolumeReadOnly: reason = "the file system is read-only"
            default:
                reason = ns.code < 1024 ? "the file cannot be read or written" : "the data is not in the expected form"
            }
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }
    // Tally's own errors describe themselves in sentences; a library's may name its types, and then
    // only the system's reason (SwiftNIO writes "(errno: N)") is worth telling.
    let text = "\(error)"
    if let errno = text.firstMatch(of: /\(errno: (\d+)\)/).flatMap({ Int32($0.1) }) {
        return systemMessage(errno: errno)
    }
    if !text.isEmpty && !looksLikeTypeDump(text) { return text }
    return "an unexpected error occurred (code \(ns.code))"
}

/// The reason alone of a failed file operation, for a message that names the path itself.
public func reasonOnly(_ error: Error) -> String {
    let text = sentence(for: error)
    if text.hasPrefix("/"), let colon = text.range(of: ": ", options: .backwards) {
        return String(text[colon.upperBound...])
    }
    return text
}

/// Whether `text` reads like a library's error dump rather than a sentence: used by the tests, and
/// kept here so the rule is stated once.
public func looksLikeTypeDump(_ text: String) -> Bool {
    let markers = [
        "Error Domain=", "NSCocoaErrorDomain", "SingleConnectionFailure", "NIOConnectionError", "IOError(",
        "errno:", "SQLite error", "DatabaseError", "Failure(", "(target:", "descriptor:", "missingSeparator",
        "ParseError", "WalletFileError", "MnemonicError", "PeerClient", "Optional(",
    ]
    return markers.contains { text.contains($0) }
}

/// The connection error's cause in plain words; the library's text names its types, so only the
/// cause is taken from it.
public func connectionReason(_ text: String) -> String {
    let lower = text.lowercased()
    if lower.contains("refused") { return "connection refused" }
    if lower.contains("timed out") || lower.contains("timeout") { return "no answer to the connection attempt" }
    if lower.contains("resolve") || lower.contains("no address") || lower.contains("name or service")
        || lower.contains("dns")
    {
        return "the host name cannot be resolved"
    }
    if lower.contains("unreachable") && lower.contains("network") { return "the network is unreachable" }
    return "no connection could be made"
}
