import TallyCrypto
import TallyWire

/// Chooses coins, builds and signs a payment. Pure: keys come from the caller.
public enum PaymentBuilder {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case insufficientFunds(available: UInt64, needed: UInt64)
        case amountTooSmall(UInt64)
        case missingKey(Address)
        case feeRateTooLow(UInt64)

        public var description: String {
            switch self {
            case let .insufficientFunds(available, needed):
                "insufficient funds: \(Coins.format(available)) spendable, \(Coins.format(needed)) needed (amount plus fee)"
            case .amountTooSmall(let amount):
                "amount \(Coins.format(amount)) is below the dust limit of \(Coins.format(PaymentBuilder.dustLimit))"
            case .missingKey(let address): "no key for \(address)"
            case .feeRateTooLow(let rate):
                "a fee rate of \(rate) units per 1,000 bytes is below the network's minimum of \(PaymentBuilder.minimumFeeRate): no node would relay it"
            }
        }
    }

    /// Outputs smaller than this are not relayed (Protocol.md §11); change below it goes to the fee.
    public static let dustLimit: UInt64 = 1_000

    /// The lowest fee rate (units per 1,000 bytes) nodes relay (Protocol.md §11): a payment below it
    /// is refused before it is signed.
    public static let minimumFeeRate: UInt64 = 1_000

    /// Size of a transaction with `inputs` inputs and `outputs` outputs (all counts below 253).
    public static func size(inputs: Int, outputs: Int) -> Int {
        4 + 1 + inputs * TxInput.encodedSize + 1 + outputs * TxOutput.encodedSize
    }

    /// Pays `amount` to `recipient` from `coins` (largest first, fewest inputs), change to `change`;
    /// the fee is `feeRate` units per 1,000 bytes, rounded up. `key` gives the signing key of a coin's address.
    public static func build(
        paying amount: UInt64, to recipient: AddressHash, from coins: [WalletState.Coin],
        change: Address, feeRate: UInt64, parameters: ChainParameters,
        key: (Address) -> Ed25519.PrivateKey?
    ) throws(Failure) -> Transaction {
        guard feeRate >= minimumFeeRate else { throw .feeRateTooLow(feeRate) }
        guard amount >= dustLimit else { throw .amountTooSmall(amount) }
        let candidates = coins.sorted { $0.amount > $1.amount }
        var chosen: [WalletState.Coin] = []
        var total: UInt64 = 0
        func fee(outputs: Int) -> UInt64 {
            (UInt64(size(inputs: chosen.count, outputs: outputs)) * feeRate + 999) / 1_000
        }
        for coin in candidates where total < amount + fee(outputs: 2) {
            chosen.append(coin)
            total += coin.amount
        }
        guard total >= amount + fee(outputs: 1) else {
            throw .insufficientFunds(available: coins.reduce(0) { $0 + $1.amount }, needed: amount + fee(outputs: 2))
        }
        var outputs = [TxOutput(amount: amount, address: recipient)]
        // Change only when it is worth an output; otherwise what is left goes to the fee.
        if total >= amount + fee(outputs: 2) + dustLimit {
            outputs.append(TxOutput(amount: total - amount - fee(outputs: 2), address: change.hash))
        }
        var keys: [Ed25519.PrivateKey] = []
        for coin in chosen {
            guard let signing = key(coin.address) else { throw .missingKey(coin.address) }
            keys.append(signing)
        }
        let inputs = zip(chosen, keys).map { TxInput(outpoint: $0.outpoint, publicKey: $1.publicKey) }
        return Transaction(inputs: inputs, outputs: outputs).signed(with: keys, parameters: parameters)
    }
}

/// Amounts as people read them: coins with 8 decimals, from and to exact base units (never floating point).
public enum Coins {
    public static func format(_ units: UInt64) -> String {
        let whole = units / ChainParameters.coin
        let fraction = String(units % ChainParameters.coin)
        return "\(whole).\(String(repeating: "0", count: 8 - fraction.count))\(fraction)"
    }

    /// Parses "12", "12.5" or "0.00000001"; nil for anything else (more than 8 decimals, signs, …).
    public static func parse(_ text: String) -> UInt64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII),
            parts[0].allSatisfy(\.isNumber),
            let whole = UInt64(parts[0])
        else { return nil }
        var fraction: UInt64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            fraction = UInt64(digits + String(repeating: "0", count: 8 - digits.count))!
        }
        let (product, overflow) = whole.multipliedReportingOverflow(by: ChainParameters.coin)
        guard !overflow, product + fraction <= ChainParameters.maximumMoney else { return nil }
        return product + fraction
    }
}
