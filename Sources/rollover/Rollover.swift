import ArgumentParser
import Foundation
import RolloverCore
import RolloverStore

@main
struct Rollover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollover",
        abstract: "Manages the TLS certificate of a device-management server so that no device is lost when it changes.",
        subcommands: [
            ServeCommand.self, Inspect.self, ImportCommand.self, CertsCommand.self, ActivateCommand.self, ReissueCommand.self,
            TokensCommand.self, SettingsCommand.self, AuditCommand.self, SigningRequestCommand.self, KeysCommand.self,
            EnrollSecretsCommand.self, DevicesCommand.self, TrustCommand.self, ExportTrustCommand.self, AgentCommand.self, SimulateCommand.self,
            RolloutCommand.self, AlertsCommand.self,
        ]
    )

    /// Exit status 2 for every usage error (ArgumentParser's own is 64), as the commands document.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as UsageFailure {
            FileHandle.standardError.write(Data("rollover: \(failure.description)\n".utf8))
            Foundation.exit(2)
        } catch let failure as FileWriteError {
            // A refused output path (a device, a folder, a link): its stable code, and nothing was written.
            FileHandle.standardError.write(Data("rollover: \(failure.description)\n".utf8))
            Foundation.exit(1)
        } catch let failure as StoreError {
            FileHandle.standardError.write(Data("rollover: \(failure.specificCode ?? failure.code.rawValue): \(failure.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
