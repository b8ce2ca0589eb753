import ArgumentParser

@main
struct WalletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-wallet",
        abstract: "A Tally wallet: 12-word mnemonics, addresses, balances and payments, synced from any node over the wire protocol.",
        subcommands: [Create.self, Restore.self, NewAddress.self, List.self, Send.self, Sync.self, History.self, Inspect.self])
}
