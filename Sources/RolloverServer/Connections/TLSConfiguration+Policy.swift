import NIOSSL

extension TLSConfiguration {
    /// TLS 1.2 and 1.3 only. TLS 1.2 is limited to forward-secret AEAD suites (ECDHE with AES-GCM or
    /// ChaCha20-Poly1305), the set Mozilla's "intermediate" profile keeps; TLS 1.3's suites are all AEAD already.
    mutating func restrictToModernProtocols() {
        minimumTLSVersion = .tlsv12
        cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
    }
}
