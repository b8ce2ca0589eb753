// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tallyd", targets: ["tallyd"]),
        .executable(name: "tally-bench", targets: ["tally-bench"]),
        .executable(name: "fuzz-header", targets: ["fuzz-header"]),
        .executable(name: "fuzz-transaction", targets: ["fuzz-transaction"]),
        .executable(name: "fuzz-block", targets: ["fuzz-block"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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
        .target(name: "TallyMempool", dependencies: ["TallyChain", "TallyWire"]),
        .target(name: "TallyMining", dependencies: ["TallyMempool", "TallyChain", "TallyCrypto"]),
        .target(name: "TallyNode", dependencies: [
            "TallyMining", "TallyMempool", "TallyChain", "TallyWire", "TallyCrypto",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "TallyTestSupport", dependencies: ["TallyMining", "TallyChain", "TallyWire", "TallyCrypto"]),

        .executableTarget(name: "tallyd", dependencies: [
            "TallyNode",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "tally-bench", dependencies: [
            "TallyNode", "TallyTestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "fuzz-header", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-header"),
        .executableTarget(name: "fuzz-transaction", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-transaction"),
        .executableTarget(name: "fuzz-block", dependencies: ["TallyWire"], path: "fuzz/Sources/fuzz-block"),

        .testTarget(name: "TallyCryptoTests", dependencies: ["TallyCrypto"]),
        .testTarget(name: "TallyWireTests", dependencies: ["TallyWire"]),
        .testTarget(name: "TallyChainTests", dependencies: ["TallyChain", "TallyMempool", "TallyTestSupport"]),
        .testTarget(name: "TallyMempoolTests", dependencies: ["TallyMempool", "TallyMining", "TallyTestSupport"]),
        .testTarget(name: "TallyNodeTests", dependencies: ["TallyNode", "TallyTestSupport"]),
    ]
)
