import ArgumentParser
import Foundation
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore

/// `rollover csr`: make a key and a signing request inside Rollover; list, show and delete pending requests.
struct SigningRequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr",
        abstract: "Create certificate signing requests whose keys never leave Rollover.",
        subcommands: [Create.self, List.self, Show.self, Delete.self],
        defaultSubcommand: Create.self)

    struct Summary: Encodable {
        var id: Int64
        var subject: String
        var addresses: [String]
        var createdAt: Date
        var pem: String?

        init(_ request: StoredSigningRequest, withPEM: Bool) {
            id = request.id
            subject = request.subject
            addresses = request.addresses
            createdAt = request.createdAt
            pem = withPEM ? request.pem : nil
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key and a signing request; print the request (PEM).")

        @Option(help: "The Common Name, usually the main host name.") var commonName: String
        @Option(help: "The ISO 3166 two-letter country code, e.g. DE or GB.") var country: String
        @Option(help: "The organization (company) name.") var organization: String
        @Option(help: "The organizational unit.") var organizationalUnit: String?
        @Option(help: "The city or locality.") var locality: String?
        @Option(help: "The state or province.") var state: String?
        @Option(name: .customLong("address"), help: "A connection address (DNS name or IP) devices use. Repeatable; at least one.")
        var addresses: [String] = []
        @Option(help: "ec-p256, rsa-2048 or rsa-3072.") var keyType: String = KeyType.ecP256.rawValue
        @Option(help: "Write the request to this file instead of standard output.") var out: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let country: CountryCode
            do { country = try CountryCode(self.country) } catch { throw UsageFailure(error.description) }
            guard let keyType = KeyType(rawValue: keyType) else {
                throw UsageFailure("--key-type must be one of \(KeyType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let parsed: [ConnectionAddress]
            do { parsed = try addresses.map(ConnectionAddress.init) } catch { throw UsageFailure(error.description) }
            guard !parsed.isEmpty else { throw UsageFailure("give at least one --address devices use to reach the server") }
            let subject = SigningRequestSubject(
                commonName: commonName, country: country, organization: organization,
                organizationalUnit: organizationalUnit, locality: locality, state: state)
            // Refused before the key is made: a path that cannot take the request changes nothing in the store.
            if let out { try AtomicFile.checkTarget(out) }
            let context = try await store.open()
            let request = try await SigningRequestService(context).create(subject: subject, addresses: parsed, keyType: keyType, now: Date())
            if let out {
                try AtomicFile.write(Array(request.pem.utf8), to: out, mode: 0o644)
            }
            if json {
                JSONOutput.print(Summary(request, withPEM: out == nil))
            } else if let out {
                print("Signing request \(request.id) written to \(out). Send it to your CA; import the signed certificate with `rollover import`.")
            } else {
                print(request.pem)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pending signing requests.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let requests = try await SigningRequestService(try await store.open()).list()
            if json { return JSONOutput.print(requests.map { Summary($0, withPEM: false) }) }
            if requests.isEmpty { print("No pending signing requests.") }
            for request in requests {
                print("\(request.id)  \(ISO8601DateFormatter().string(from: request.createdAt))  \(request.subject)  [\(request.addresses.joined(separator: ", "))]")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a pending signing request again.")
        @Argument(help: "The request's id (from `rollover csr list`).") var id: Int64
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let request = try await SigningRequestService(try await store.open()).find(id: id)
            if json { JSONOutput.print(Summary(request, withPEM: true)) } else { print(request.pem) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a pending signing request and its key.")
        @Argument(help: "The request's id.") var id: Int64
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await SigningRequestService(try await store.open()).delete(id: id)
            print("Signing request \(id) and its key were deleted.")
        }
    }
}
