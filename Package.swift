// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tallyd", targets: ["tallyd"]),
        .executable(name: "tally-bench", targets: ["tally-bench"]),
        .executable(name: "tally-probe", targets: ["tally-probe"]),
        .executable(name: "tally-wallet", targets: ["tally-wallet"]),
        .executable(name: "fuzz-header", targets: ["fuzz-header"]),
        .executable(name: "fuzz-transaction", targets: ["fuzz-transaction"]),
        .executable(name: "fuzz-block", targets: ["fuzz-block"]),
        .executable(name: "fuzz-message", targets: ["fuzz-message"]),
        .executable(name: "fuzz-peer", targets: ["fuzz-peer"]),
        .executable(name: "fuzz-compact", targets: ["fuzz-compact"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "TallyCrypto", dependencies: ["CSodium", "COpenSSL"]),
        .target(name: "TallyWire", dependencies: ["TallyCrypto"]),
        .target(name: "TallyChain", dependencies: [
            "TallyWire", "TallyCrypto",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        .target(name: "TallyMempool", dependencies: [
            "TallyChain", "TallyWire",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        .target(name: "CTallyHash"),
        .target(name: "TallyMining", dependencies: ["CTallyHash", "TallyMempool", "TallyChain", "TallyCrypto"]),
        .target(name: "TallyNet", dependencies: [
            "TallyMempool", "TallyChain", "TallyWire", "TallyCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "TallyNode", dependencies: [
            "TallyNet", "TallyMining", "TallyMempool", "TallyChain", "TallyWire", "TallyCrypto",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "TallyIndex", dependencies: [
            "TallyWire", "TallyCrypto",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "TallyHTTP", dependencies: [
            "TallyIndex", "TallyNode", "TallyNet", "TallyMempool", "TallyChain", "TallyWire", "TallyCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Explorer")]),

        .target(name: "TallyWallet", dependencies: ["TallyWire", "TallyCrypto"]),
        .target(name: "TallyCommandLine", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "TallyTestSupport", dependencies: ["TallyMining", "TallyChain", "TallyWire", "TallyCrypto"]),

        .executableTarget(name: "tallyd", dependencies: [
            "TallyCommandLine", "TallyNode", "TallyMining", "TallyNet", "TallyHTTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "tally-wallet", dependencies: [
            "TallyCommandLine", "TallyWallet", "TallyNet", "TallyNode", "TallyChain", "TallyWire", "TallyCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "tally-probe", dependencies: [
            "TallyCommandLine", "TallyNet", "TallyWire",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "tally-bench", dependencies: [
            "TallyCommandLine", "TallyNode", "TallyNet", "TallyMining", "TallyTestSupport", "COpenSSL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        .executableTarget(name: "fuzz-header", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-header"),
        .executableTarget(name: "fuzz-transaction", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-transaction"),
        .executableTarget(name: "fuzz-block", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-block"),
        .executableTarget(name: "fuzz-message", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-message"),
        .executableTarget(name: "fuzz-peer", dependencies: [
            "TallyNode", "TallyNet", "TallyMining", "TallyMempool", "TallyChain", "TallyWire", "TallyCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "fuzz/Sources/fuzz-peer"),
        .executableTarget(name: "fuzz-compact", dependencies: ["TallyNet", "TallyWire"], path: "fuzz/Sources/fuzz-compact"),

        .testTarget(name: "TallyCryptoTests", dependencies: ["TallyCrypto", "TallyTestSupport"]),
        .testTarget(name: "TallyWireTests", dependencies: ["TallyWire", "TallyTestSupport"]),
        .testTarget(name: "TallyChainTests", dependencies: ["TallyChain", "TallyMempool", "TallyTestSupport"]),
        .testTarget(name: "TallyMempoolTests", dependencies: ["TallyMempool", "TallyMining", "TallyTestSupport"]),
        .testTarget(name: "TallyMiningTests", dependencies: ["TallyMining", "TallyTestSupport"]),
        .testTarget(name: "TallyWalletTests", dependencies: ["TallyWallet", "TallyMempool", "TallyTestSupport"]),
        .testTarget(name: "TallyNetTests", dependencies: [
            "TallyNet", "TallyWire", "TallyCrypto", "TallyTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TallyNodeTests", dependencies: [
            "TallyNode", "TallyNet", "TallyWallet", "TallyCommandLine", "TallyTestSupport",
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
    ]
)
