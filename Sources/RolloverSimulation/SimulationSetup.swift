import Foundation
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import SwiftASN1
import X509

/// The server as the simulation starts it: what `rollover serve` makes on first start (the CA, its root as standing
/// trust material, an active server certificate for the connection address), the settings, and for the
/// distribute-first and proceed-now scenarios the staged certificate from a new enterprise root that devices do
/// not trust yet, stored as an import stores it (chain up to the root, key sealed).
///
/// FirstStart lives in RolloverServer, which the simulator cannot import, so the few steps it needs are repeated
/// here with the same store calls.
struct SimulationSetup {
    static let address = "mdm.example.test"
    static let newAddress = "mdm-new.example.test"
    static let agentVersion = "simulator"
    static let chainStages = 3

    let context: ServiceContext
    let start: Date
    /// The distribute-first and proceed-now target.
    var enterpriseCertificateID: Int64?
    /// The chain scenario's targets, in order: the enterprise certificate, a pinned self-signed leaf, a certificate
    /// from a second enterprise root.
    var chainCertificateIDs: [Int64] = []
    /// When the certificate live at the start expires.
    var initialExpiry: Date
    /// Settings written, as given (the sync period included).
    var settings: [String: String]

    static func prepare(_ options: SimulationOptions, context: ServiceContext, start: Date) async throws -> SimulationSetup {
        let store = context.store
        guard try await store.deviceCount() == 0, try await store.certificates(in: nil).isEmpty else {
            throw SimulationError("the simulation needs an empty store: give an empty --data folder (or none for a temporary one)")
        }
        var settings = options.settings
        settings["sync-period-seconds"] = String(Int(options.syncPeriod))
        if options.scenario == .autoReissue, settings["reissue-lead"] == nil {
            // The reissue must fall inside the run: a week before the short-lived certificate expires.
            settings["reissue-lead"] = "7d"
        }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            try await store.setSetting(key, to: value, actor: context.actor)
        }

        let authority = try await AuthorityService(context).authorityAsStandingRoot(at: start)

        // The live certificate, issued at the virtual start so its expiry is a fixed offset from it (repeatable runs).
        let maximum = Int(try await store.settingOrDefault("maximum-validity-days")) ?? CertificateAuthority.defaultServerValidityDays
        let validity = options.scenario == .autoReissue ? min(maximum, max(2, Int((options.days * 2 / 3).rounded()))) : maximum
        let liveKey = try KeyType.ecP256.generate()
        let liveCertificate = try authority.issueServerCertificate(for: [try ConnectionAddress(address)], publicKey: liveKey.publicKey, now: start,
                                                                   validityDays: validity, maximumValidityDays: maximum)
        let live = try await storeStaged(liveCertificate, key: liveKey, chain: [authority.certificate], source: .issued, context: context)
        try await store.activateCertificate(id: live, actor: context.actor)

        var setup = SimulationSetup(context: context, start: start, enterpriseCertificateID: nil, initialExpiry: liveCertificate.notValidAfter,
                                    settings: settings)
        if [.distributeFirst, .proceedNow, .chain].contains(options.scenario) {
            setup.enterpriseCertificateID = try await storeEnterprise("Example Enterprise Root CA", start: start, context: context)
        }
        if options.scenario == .chain, let enterprise = setup.enterpriseCertificateID {
            let key = try KeyType.ecP256.generate()
            let pinned = try await storeStaged(try selfSignedLeaf(key: key, now: start), key: key, chain: [], source: .imported, context: context)
            let second = try await storeEnterprise("Example Enterprise Root CA 2", start: start, context: context)
            setup.chainCertificateIDs = [enterprise, pinned, second]
        }
        return setup
    }

    /// A server certificate from a new enterprise root devices do not trust yet, imported with its chain.
    private static func storeEnterprise(_ rootName: String, start: Date, context: ServiceContext) async throws -> Int64 {
        let enterprise = try CertificateAuthority.createRoot(commonName: rootName, now: start)
        let key = try KeyType.ecP256.generate()
        return try await storeStaged(
            try enterprise.issueServerCertificate(for: [try ConnectionAddress(address)], publicKey: key.publicKey, now: start),
            key: key, chain: [enterprise.certificate], source: .imported, context: context)
    }

    /// A self-signed server certificate, as an appliance makes one: imported without a chain, devices pin it.
    private static func selfSignedLeaf(key: Certificate.PrivateKey, now: Date) throws -> Certificate {
        let name = try DistinguishedName { CommonName(address) }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(address)])
            },
            issuerPrivateKey: key)
    }

    /// Stores a certificate staged with its chain and its key sealed, as an import (or the CA) does.
    private static func storeStaged(_ certificate: Certificate, key: Certificate.PrivateKey, chain: [Certificate], source: CertificateSource,
                                    context: ServiceContext) async throws -> Int64 {
        let keyID = try await KeyRepository(context).save(key, purpose: "server")
        return try await context.store.insertCertificate(
            try StoredCertificate(certificate, chain: chain, state: .staged, source: source, privateKeyID: keyID), actor: context.actor)
    }
}

/// Why a simulation cannot run.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
