// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let toml: Target.Dependency = .product(name: "TOMLKit", package: "TOMLKit")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let postgres: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")

// MARK: - Test support

/// Helpers shared by the test targets (a private Postgres schema, the API fixture, `kjobd` child
/// processes, polling, a seeded RNG). Lives under Tests/ and is in no product.
let testSupportTargets: [Target] = [
    .target(
        name: "KJobTestSupport",
        dependencies: [
            "KJobStore", "KJobServer", postgres, log,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        path: "Tests/KJobTestSupport",
        swiftSettings: swiftSettings
    ),
]

// MARK: - Core

let coreTargets: [Target] = [
    .target(name: "KJobCore", dependencies: [toml], swiftSettings: swiftSettings),
    .testTarget(name: "KJobCoreTests", dependencies: ["KJobCore", "KJobTestSupport"], swiftSettings: swiftSettings),
]

// MARK: - Metrics

let metricsTargets: [Target] = [
    .target(
        name: "KJobMetrics",
        dependencies: ["KJobCore", .product(name: "Prometheus", package: "swift-prometheus")],
        swiftSettings: swiftSettings
    ),
    .testTarget(name: "KJobMetricsTests", dependencies: ["KJobMetrics", "KJobCore"], swiftSettings: swiftSettings),
]

// MARK: - Store and daemon

let storeTargets: [Target] = [
    .target(
        name: "KJobStore",
        dependencies: [
            "KJobCore", postgres, log,
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "KJobStoreTests",
        dependencies: ["KJobStore", "KJobCore", "KJobTestSupport", postgres, log],
        swiftSettings: swiftSettings
    ),
]

let daemonTargets: [Target] = [
    .target(
        name: "KJobDaemon",
        dependencies: [
            "KJobCore", "KJobStore", "KJobSandbox", "KJobServer", "KJobRelay", "KJobMetrics", toml, log, postgres,
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .executableTarget(name: "kjobd", dependencies: ["KJobDaemon", "KJobCore", "KJobServer", "KJobClient", argumentParser], swiftSettings: swiftSettings),
    .testTarget(
        name: "KJobDaemonTests",
        dependencies: [
            "KJobDaemon", "KJobStore", "KJobCore", "KJobSandbox", "KJobRelay", "KJobRelaySink", "KJobServer", "KJobTestSupport", postgres, log,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - Sandbox

let sandboxTargets: [Target] = [
    .target(name: "KJobSandbox", dependencies: ["KJobCore", log, toml], swiftSettings: swiftSettings),
    // C, not Swift: it runs in every run's child before exec, where loading the Swift runtime cost
    // milliseconds per run (Sources/kjob-spawn/main.c; the argv it reads is KJobSandbox's SpawnPlan).
    .executableTarget(name: "kjob-spawn", cSettings: [.unsafeFlags(["-Wall", "-Wextra"])],
                      linkerSettings: [.unsafeFlags(["-nostartfiles"])]),  // no Swift runtime: see main.c
    .testTarget(
        name: "KJobSandboxTests",
        dependencies: ["KJobSandbox", "kjob-spawn", log, toml],
        swiftSettings: swiftSettings
    ),
]

// MARK: - Relay

let relayTargets: [Target] = [
    .target(
        name: "KJobRelay",
        dependencies: [
            "KJobCore", log,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "KJobRelaySink",
        dependencies: [
            "KJobCore", "KJobRelay", log,
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "kjob-relay-sink",
        dependencies: [
            "KJobRelaySink", argumentParser, log,
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "KJobRelayTests",
        dependencies: [
            "KJobCore", "KJobRelay", "KJobRelaySink", "KJobTestSupport",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - HTTP API and client

let serverTargets: [Target] = [
    .target(
        name: "KJobServer",
        dependencies: [
            "KJobCore", "KJobStore", "KJobMetrics", postgres, log,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "KJobClient",
        dependencies: [
            "KJobCore", toml,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "KJobServerTests",
        dependencies: [
            "KJobServer", "KJobStore", "KJobCore", "KJobTestSupport", postgres, log,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "KJobCLITests",
        dependencies: [
            "KJobServer", "KJobStore", "KJobCore", "KJobClient", "KJobTestSupport", postgres, log,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - CLI and tools

let cliTargets: [Target] = [
    .executableTarget(name: "kjob", dependencies: ["KJobCore", "KJobClient", argumentParser], swiftSettings: swiftSettings),
    .executableTarget(
        name: "kjob-bench",
        dependencies: ["KJobCore", "KJobSandbox", "KJobClient", argumentParser, log],
        swiftSettings: swiftSettings
    ),
]

let package = Package(
    name: "kjob",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kjob", targets: ["kjob"]),
        .executable(name: "kjobd", targets: ["kjobd"]),
        .executable(name: "kjob-spawn", targets: ["kjob-spawn"]),
        .library(name: "KJobCore", targets: ["KJobCore"]),
        .library(name: "KJobStore", targets: ["KJobStore"]),
        .library(name: "KJobDaemon", targets: ["KJobDaemon"]),
        .library(name: "KJobServer", targets: ["KJobServer"]),
        .library(name: "KJobClient", targets: ["KJobClient"]),
        .library(name: "KJobSandbox", targets: ["KJobSandbox"]),
        .library(name: "KJobRelay", targets: ["KJobRelay"]),
        .library(name: "KJobMetrics", targets: ["KJobMetrics"]),
        .executable(name: "kjob-relay-sink", targets: ["kjob-relay-sink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: testSupportTargets + coreTargets + metricsTargets + storeTargets + daemonTargets + sandboxTargets + relayTargets + serverTargets + cliTargets,
    swiftLanguageModes: [.v6]
)
