// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Rollover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rollover", targets: ["rollover"]),
        .library(name: "RolloverPKI", targets: ["RolloverPKI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "RolloverPKI",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(name: "RolloverCore"),
        .target(
            name: "RolloverStore",
            dependencies: [
                "RolloverCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "RolloverService",
            dependencies: [
                // The agent's trust decision decides when devices need a handover record: the same code devices run.
                "RolloverPKI", "RolloverCore", "RolloverStore", "RolloverAgent",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "RolloverServer",
            dependencies: [
                "RolloverService", "RolloverPKI", "RolloverCore", "RolloverStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("openapi.json"), .copy("Console/Templates"), .copy("Console/Assets")]
        ),
        .target(
            name: "RolloverAgent",
            dependencies: [
                "RolloverCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "RolloverSimulation",
            dependencies: [
                "RolloverCore", "RolloverService", "RolloverStore", "RolloverAgent", "RolloverPKI",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "RolloverAPIClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "rollover",
            dependencies: [
                "RolloverPKI",
                "RolloverCore",
                "RolloverStore",
                "RolloverService",
                "RolloverServer",
                "RolloverAPIClient",
                "RolloverAgent",
                "RolloverSimulation",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "rollover-bench",
            dependencies: [
                "RolloverStore", "RolloverCore", "RolloverPKI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer target over the reader (scripts/fuzz-reader builds it with -sanitize=fuzzer in .build-fuzz).
        .executableTarget(name: "rollover-fuzz-reader", dependencies: ["RolloverPKI"]),
        .target(name: "RolloverTestSupport", dependencies: ["RolloverCore"], path: "Sources/RolloverTestSupport"),
        .testTarget(
            name: "RolloverServerTests",
            dependencies: [
                "RolloverServer", "RolloverService", "RolloverPKI", "RolloverStore", "RolloverCore", "RolloverTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "RolloverCoreTests", dependencies: ["RolloverCore"]),
        .testTarget(
            name: "RolloverServiceTests",
            dependencies: [
                "RolloverService", "RolloverPKI", "RolloverStore", "RolloverCore", "RolloverTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "RolloverAgentTests",
            dependencies: [
                "RolloverAgent", "RolloverCore", "RolloverTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RolloverSimulationTests",
            dependencies: ["RolloverSimulation", "RolloverCore", "RolloverStore"]
        ),
        .testTarget(
            name: "RolloverStoreTests",
            dependencies: [
                "RolloverStore", "RolloverCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "RolloverPKITests",
            dependencies: [
                "RolloverPKI",
                "RolloverTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
