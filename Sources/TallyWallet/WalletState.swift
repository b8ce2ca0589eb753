import Foundation
import TallyCrypto
import TallyWire

/// The wallet's public, unencrypted state: what it needs without the passphrase to show addresses,
/// balances and history and to continue scanning. Stored as JSON inside the wallet file (Protocol.md
/// §14). It is a cache: everything in it can be rebuilt from the seed and the chain.
///
/// Extensible: fields added later must be optional (or have a default in a custom decoder), so files
/// written before them still decode; keys this version does not know are ignored.
public struct WalletState: Codable, Sendable, Equatable {
    public var accounts: [Account]
    public var addresses: [AddressRecord]
    public var utxos: [Coin]
    public var history: [HistoryEntry]
    /// The height of the last block scanned, nil before the first scan.
    public var scannedHeight: UInt32?
    /// The hash of that block (to notice a reorganisation that replaced it).
    public var scannedTip: Hash256?
    /// Transactions this wallet sent that are not mined yet (hex), rebroadcast on every sync.
    public var pending: [String] = []
    /// Coins spent by unconfirmed transactions: no longer spendable, shown as pending out.
    public var pendingSpent: [Coin] = []
    /// Payments signed and saved but with no verdict from a node yet (hex): saved before they are
    /// sent, so a crash or a failed write never leaves a broadcast payment unknown to the wallet.
    public var unbroadcast: [String] = []

    public init(
        accounts: [Account] = [Account(index: 0, label: "default")], addresses: [AddressRecord] = [],
        utxos: [Coin] = [], history: [HistoryEntry] = [], scannedHeight: UInt32? = nil,
        scannedTip: Hash256? = nil
    ) {
        self.accounts = accounts
        self.addresses = addresses
        self.utxos = utxos
        self.history = history
        self.scannedHeight = scannedHeight
        self.scannedTip = scannedTip
    }

    /// One BIP-44 account (`m/44'/COIN'/index'`) and the next unused address index on each chain.
    public struct Account: Codable, Sendable, Equatable {
        public var index: UInt32
        public var label: String
        public var nextReceiveIndex: UInt32
        public var nextChangeIndex: UInt32

        public init(index: UInt32, label: String, nextReceiveIndex: UInt32 = 0, nextChangeIndex: UInt32 = 0) {
            self.index = index
            self.label = label
            self.nextReceiveIndex = nextReceiveIndex
            self.nextChangeIndex = nextChangeIndex
        }
    }

    /// An address handed out: `m/44'/COIN'/account'/(change ? 1 : 0)'/index'`.
    public struct AddressRecord: Codable, Sendable, Equatable {
        public var label: String
        public var account: UInt32
        public var change: Bool
        public var index: UInt32
        public var address: Address

        public init(label: String, account: UInt32, change: Bool, index: UInt32, address: Address) {
            self.label = label
            self.account = account
            self.change = change
            self.index = index
            self.address = address
        }

        enum CodingKeys: String, CodingKey { case label, account, change, index, address }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            label = try c.decode(String.self, forKey: .label)
            account = try c.decode(UInt32.self, forKey: .account)
            change = try c.decode(Bool.self, forKey: .change)
            index = try c.decode(UInt32.self, forKey: .index)
            address = try decodeAddress(c, .address)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(account, forKey: .account)
            try c.encode(change, forKey: .change)
            try c.encode(index, forKey: .index)
            try c.encode(address.description, forKey: .address)
        }
    }

    /// An unspent output paying one of the wallet's addresses. `height` is nil while the transaction
    /// is unconfirmed.
    public struct Coin: Codable, Sendable, Equatable {
        public var outpoint: OutPoint
        public var amount: UInt64
        public var address: Address
        public var height: UInt32?
        public var coinbase: Bool

        public init(outpoint: OutPoint, amount: UInt64, address: Address, height: UInt32?, coinbase: Bool) {
            self.outpoint = outpoint
            self.amount = amount
            self.address = address
            self.height = height
            self.coinbase = coinbase
        }

        enum CodingKeys: String, CodingKey { case outpoint, amount, address, height, coinbase }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let text = try c.decode(String.self, forKey: .outpoint)
            guard let outpoint = parseOutPoint(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .outpoint, in: c,
                    debugDescription: "outpoint '\(text)' is not TXID:INDEX")
            }
            self.outpoint = outpoint
            amount = try c.decode(UInt64.self, forKey: .amount)
            address = try decodeAddress(c, .address)
            height = try c.decodeIfPresent(UInt32.self, forKey: .height)
            coinbase = try c.decode(Bool.self, forKey: .coinbase)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(outpoint.description, forKey: .outpoint)
            try c.encode(amount, forKey: .amount)
            try c.encode(address.description, forKey: .address)
            try c.encodeIfPresent(height, forKey: .height)
            try c.encode(coinbase, forKey: .coinbase)
        }
    }

    /// A transaction that touched the wallet: what it changed the balance by (received minus spent,
    /// fees included), and its height, nil while pending.
    public struct HistoryEntry: Codable, Sendable, Equatable {
        public var txid: Hash256
        public var height: UInt32?
        public var netAmount: Int64

        public init(txid: Hash256, height: UInt32?, netAmount: Int64) {
            self.txid = txid
            self.height = height
            self.netAmount = netAmount
        }

        enum CodingKeys: String, CodingKey { case txid, height, netAmount }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            txid = try decodeHash(c, .txid)
            height = try c.decodeIfPresent(UInt32.self, forKey: .height)
            netAmount = try c.decode(Int64.self, forKey: .netAmount)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(txid.description, forKey: .txid)
            try c.encodeIfPresent(height, forKey: .height)
            try c.encode(netAmount, forKey: .netAmount)
        }
    }

    enum CodingKeys: String, CodingKey {
        case accounts, addresses, utxos, history, scannedHeight, scannedTip, pending, pendingSpent, unbroadcast
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accounts = try c.decode([Account].self, forKey: .accounts)
        addresses = try c.decode([AddressRecord].self, forKey: .addresses)
        utxos = try c.decode([Coin].self, forKey: .utxos)
        history = try c.decode([HistoryEntry].self, forKey: .history)
        scannedHeight = try c.decodeIfPresent(UInt32.self, forKey: .scannedHeight)
        scannedTip = try c.decodeIfPresent(String.self, forKey: .scannedTip) == nil ? nil : decodeHash(c, .scannedTip)
        pending = try c.decodeIfPresent([String].self, forKey: .pending) ?? []
        pendingSpent = try c.decodeIfPresent([Coin].self, forKey: .pendingSpent) ?? []
        unbroadcast = try c.decodeIfPresent([String].self, forKey: .unbroadcast) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accounts, forKey: .accounts)
        try c.encode(addresses, forKey: .addresses)
        try c.encode(utxos, forKey: .utxos)
        try c.encode(history, forKey: .history)
        try c.encodeIfPresent(scannedHeight, forKey: .scannedHeight)
        try c.encodeIfPresent(scannedTip?.description, forKey: .scannedTip)
        if !pending.isEmpty { try c.encode(pending, forKey: .pending) }
        if !pendingSpent.isEmpty { try c.encode(pendingSpent, forKey: .pendingSpent) }
        if !unbroadcast.isEmpty { try c.encode(unbroadcast, forKey: .unbroadcast) }
    }

    /// Every address the state mentions (records and coins), to check them against the file's network.
    var allAddresses: [Address] { addresses.map(\.address) + utxos.map(\.address) }

    /// The state as canonical JSON (sorted keys, no extra white space).
    func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    static func decode(json: [UInt8]) throws -> WalletState {
        try JSONDecoder().decode(WalletState.self, from: Data(json))
    }
}

// MARK: JSON forms of the wire types: the forms people see (display hashes, Bech32m addresses).

/// An address on either network, told apart by its prefix.
private func decodeAddress<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Address {
    let text = try c.decode(String.self, forKey: key)
    for network in Network.allCases {
        if let address = try? Address(parsing: text, network: network) { return address }
    }
    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not a Tally address")
}

private func decodeHash<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Hash256 {
    let text = try c.decode(String.self, forKey: key)
    guard text.count == 64, let hash = Hash256(hex: text) else {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not a 64-digit hash")
    }
    return hash
}

/// `TXID:INDEX`, the form `OutPoint.description` writes.
private func parseOutPoint(_ text: String) -> OutPoint? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count == 64, let txid = Hash256(hex: String(parts[0])),
        !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let index = UInt32(parts[1])
    else { return nil }
    return OutPoint(txid: txid, index: index)
}
