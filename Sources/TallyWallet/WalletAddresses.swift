import TallyCrypto
import TallyWire

/// Addresses of account 0: those handed out (below the account's next index) and a look-ahead of
/// unused ones beyond, watched while scanning so that a restored wallet finds every payment (it
/// keeps deriving until `gap` addresses in a row are unused, as BIP-44 wallets do).
extension WalletState {
    public static let gapLimit: UInt32 = 20

    /// Hands out the next address of a chain (receiving or change), labelled.
    public mutating func issueAddress(
        label: String, change: Bool, master: HDKey, network: Network
    ) throws -> AddressRecord {
        let index = change ? accounts[0].nextChangeIndex : accounts[0].nextReceiveIndex
        let record = try address(change: change, index: index, master: master, network: network)
        if let existing = addresses.firstIndex(where: { $0.change == change && $0.index == index && $0.account == 0 }) {
            addresses[existing].label = label
        } else {
            addresses.append(
                AddressRecord(label: label, account: 0, change: change, index: index, address: record.address))
        }
        if change { accounts[0].nextChangeIndex += 1 } else { accounts[0].nextReceiveIndex += 1 }
        return addresses.first { $0.change == change && $0.index == index && $0.account == 0 }!
    }

    /// Addresses handed out so far (not the look-ahead).
    public var issuedAddresses: [AddressRecord] {
        addresses.filter { $0.index < ($0.change ? accounts[0].nextChangeIndex : accounts[0].nextReceiveIndex) }
    }

    /// An address that received money counts as handed out, with every address before it.
    mutating func markUsed(_ address: Address) {
        guard let record = addresses.first(where: { $0.address == address }), record.account == 0 else { return }
        if record.change {
            accounts[0].nextChangeIndex = max(accounts[0].nextChangeIndex, record.index + 1)
        } else {
            accounts[0].nextReceiveIndex = max(accounts[0].nextReceiveIndex, record.index + 1)
        }
    }

    /// Derives look-ahead addresses until `gapLimit` unused ones follow the last handed-out one on
    /// each chain. Returns whether any were added (a caller scanning from genesis must then scan
    /// again: earlier blocks may pay them).
    public mutating func extendLookahead(master: HDKey, network: Network) throws -> Bool {
        var added = false
        for change in [false, true] {
            let next = change ? accounts[0].nextChangeIndex : accounts[0].nextReceiveIndex
            for index in next..<(next + WalletState.gapLimit)
            where !addresses.contains(where: { $0.account == 0 && $0.change == change && $0.index == index }) {
                addresses.append(try address(change: change, index: index, master: master, network: network))
                added = true
            }
        }
        return added
    }

    private func address(change: Bool, index: UInt32, master: HDKey, network: Network) throws -> AddressRecord {
        let key = try master.derive(.tally(network: network, account: 0, change: change, index: index))
        return AddressRecord(label: "", account: 0, change: change, index: index, address: key.address(on: network))
    }
}
