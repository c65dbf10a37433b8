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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
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
        .testTarget(
            name: "KJobCoreTests",
            dependencies: ["KJobCore"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
