import ArgumentParser
import TallyCommandLine
import TallyWire

@main
struct WalletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-wallet",
        abstract:
            "A Tally wallet: 12-word mnemonics, addresses, balances and payments, synced from any node over the wire protocol.",
        discussion:
            "Exit codes: 0 done, 1 failed (the message says why), 2 the node cannot be reached, 3 the node answered wrongly, 64 usage.",
        version: TallyVersion.current,
        subcommands: [
            Create.self, Restore.self, NewAddress.self, List.self, Send.self, Abandon.self, Sync.self, History.self,
            Inspect.self,
        ])

    static func main() {
        CommandRunner.main(Self.self)
    }
}
