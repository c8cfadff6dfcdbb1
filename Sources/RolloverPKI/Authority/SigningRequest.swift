import Foundation
import X509

/// The subject of a certificate signing request, with the country checked against ISO 3166 up front
/// (no "re-run the batch file if you entered the wrong country code").
public struct SigningRequestSubject: Sendable, Equatable {
    public var commonName: String
    public var country: CountryCode
    public var organization: String
    public var organizationalUnit: String?
    public var locality: String?
    public var state: String?

    public init(commonName: String, country: CountryCode, organization: String,
                organizationalUnit: String? = nil, locality: String? = nil, state: String? = nil) {
        self.commonName = commonName
        self.country = country
        self.organization = organization
        self.organizationalUnit = organizationalUnit
        self.locality = locality
        self.state = state
    }

    public var distinguishedName: DistinguishedName {
        get throws {
            try DistinguishedName {
                CountryName(country.code)
                if let state { StateOrProvinceName(state) }
                if let locality { LocalityName(locality) }
                OrganizationName(organization)
                if let organizationalUnit { OrganizationalUnitName(organizationalUnit) }
                CommonName(commonName)
            }
        }
    }
}

/// Makes a PKCS#10 request whose subjectAltName lists every connection address, for a CA to sign.
public enum SigningRequestBuilder {
    public static func make(
        subject: SigningRequestSubject, addresses: [ConnectionAddress], privateKey: Certificate.PrivateKey
    ) throws -> CertificateSigningRequest {
        guard !addresses.isEmpty else { throw AuthorityError("a signing request needs at least one connection address (--address)") }
        let extensions = try Certificate.Extensions {
            SubjectAlternativeNames(addresses.map(\.generalName))
            try ExtendedKeyUsage([.serverAuth])
        }
        return try CertificateSigningRequest(
            version: .v1, subject: subject.distinguishedName, privateKey: privateKey,
            attributes: CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: privateKey.sha256SignatureAlgorithm)
    }
}
