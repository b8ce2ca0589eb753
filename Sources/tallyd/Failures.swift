import Foundation
import GRDB
import Logging
import NIOCore
import TallyCommandLine
import TallyNode
import TallyWire

/// Opens the node's store, with a failure in words: which file, what is wrong, what to do.
func openNode(_ configuration: NodeConfiguration, logger: Logger) throws -> Node {
    do {
        return try Node(configuration: configuration, logger: logger)
    } catch let error as DatabaseError {
        throw storeFailure(error, path: configuration.storePath)
    } catch let failure as CommandFailure {
        throw failure
    } catch {
        throw CommandFailure(
            "cannot start the node in \(configuration.dataDirectory.path): \(fileProblem(error)); check that the data directory (--datadir) is writable"
        )
    }
}

func storeFailure(_ error: Error, path: String) -> CommandFailure {
    guard let database = error as? DatabaseError else {
        return CommandFailure("cannot open the chain store \(path): \(fileProblem(error))")
    }
    switch database.resultCode.primaryResultCode {
    case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
        return CommandFailure(
            "cannot open the chain store \(path) for writing: check that the data directory (--datadir) exists and is writable by this user"
        )
    case .SQLITE_BUSY, .SQLITE_LOCKED:
        return CommandFailure("the chain store \(path) is in use: is another tallyd running on this data directory?")
    case .SQLITE_CORRUPT, .SQLITE_NOTADB:
        return CommandFailure(
            "the chain store \(path) is damaged or not a Tally store: start from a snapshot ('tallyd restore-snapshot') or another data directory"
        )
    case .SQLITE_FULL, .SQLITE_IOERR:
        return CommandFailure("cannot write the chain store \(path): the disk is full or failing")
    default:
        return CommandFailure(
            "the chain store \(path) cannot be used: \(database.message ?? "SQLite result \(database.resultCode.rawValue)")"
        )
    }
}

/// A listening socket that could not be opened, e.g. "port 18733 (P2P) is in use: is another
/// tallyd running? choose another --port".
func listenFailure(_ error: Error, what: String, address: String, fix: String) -> CommandFailure {
    let code =
        (error as? IOError)?.errnoCode
        ?? Int32((error as NSError).domain == NSPOSIXErrorDomain ? (error as NSError).code : 0)
    switch code {
    case EADDRINUSE: return CommandFailure("\(what) on \(address) is in use: is another tallyd running? \(fix)")
    case EACCES: return CommandFailure("\(what) on \(address) needs privileges (ports below 1024 are root's): \(fix)")
    case EADDRNOTAVAIL:
        return CommandFailure(
            "cannot listen on \(address): no interface of this machine has that address; check --bind or --http")
    case 0:
        return CommandFailure(
            "cannot listen on \(what) of \(address): \(address.isEmpty ? "no address" : "the address cannot be used"); check the address and \(fix)"
        )
    default: return CommandFailure("cannot listen on \(what) of \(address): \(systemMessage(errno: code)); \(fix)")
    }
}

/// The reason a file operation failed, in the system's words.
func fileProblem(_ error: Error) -> String {
    if let io = error as? IOError { return systemMessage(errno: io.errnoCode) }
    return reasonOnly(error)
}

/// Why a text is not an address of this network, without the decoder's internal names.
func addressProblem(_ error: Error) -> String {
    if case Address.ParseError.wrongNetwork(let expected, let found)? = error as? Address.ParseError {
        return "its prefix is '\(found)', this network's is '\(expected)'"
    }
    return "it is not a Bech32m address (check for a typo)"
}
