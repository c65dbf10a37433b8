// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "kjob",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kjob", targets: ["kjob"]),
        .library(name: "KJobCore", targets: ["KJobCore"]),
        .library(name: "KJobSandbox", targets: ["KJobSandbox"]),
        .executable(name: "kjob-spawn", targets: ["kjob-spawn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        .target(
            name: "KJobCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "kjob",
            dependencies: [
                "KJobCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "kjob-bench",
            dependencies: ["KJobCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KJobSandbox",
            dependencies: [
                "KJobCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "kjob-spawn",
            dependencies: ["KJobSandbox"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KJobSandboxTests",
            dependencies: [
                "KJobSandbox", "kjob-spawn",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KJobCoreTests",
            dependencies: ["KJobCore"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
