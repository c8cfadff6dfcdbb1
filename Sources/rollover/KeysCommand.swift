import ArgumentParser
import RolloverService

/// `rollover keys`: the master key that seals every private key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the master key that seals every private key.", subcommands: [RotateMaster.self])

    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every private key under a new master key, in one transaction.")

        @Option(help: "When the master key comes from ROLLOVER_MASTER_KEY: the file to write the new key to.")
        var newMasterKeyFile: String?
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let context = try await store.open()
            let (count, newKey) = try await MasterKeyRotation.rotate(context, newKeyFile: newMasterKeyFile)
            print("Re-sealed \(count) private key\(count == 1 ? "" : "s") under master key \(newKey.id).")
            if context.masterKeyFile == nil, let newMasterKeyFile {
                print("The new key is in \(newMasterKeyFile): put it in ROLLOVER_MASTER_KEY before the next start.")
            }
        }
    }
}
