import SwiftASN1

/// Resolves EC domain parameters to a named curve; explicit parameters and unknown curves are refused by name.
enum ECCurveParameters {
    static func named(_ parameters: ASN1Node?) throws(ReadFailure) -> (name: String, bits: Int, scalarBytes: Int) {
        guard let parameters else { throw .malformed("the EC key does not say which curve it is on") }
        guard parameters.identifier == .objectIdentifier else {
            throw .unsupported("the EC key uses explicit curve parameters instead of a named curve; re-export it on a named curve (P-256, P-384 or P-521)")
        }
        let oid = try parameters.objectIdentifier("the EC curve")
        guard let curve = PublicKeyAlgorithm.namedCurves[oid.description] else {
            throw .unsupported("the EC key is on the curve \(KeyAlgorithmNames.curveName(of: oid)), which TLS clients do not accept; use P-256, P-384 or P-521")
        }
        return curve
    }
}
