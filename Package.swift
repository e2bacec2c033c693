// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility")
]

let package = Package(
    name: "hostup-routed",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hostup-routed", targets: ["HostUpRouted"]),
        .executable(name: "hostup-api-sim", targets: ["HostUpAPISimulatorTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // No default traits: "SubprocessFoundation" would link the full Foundation.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
    ],
    targets: [
        // C interop: only Netlink/Internals imports CMnl.
        .systemLibrary(
            name: "CMnl",
            pkgConfig: "libmnl",
            providers: [.apt(["libmnl-dev"])]
        ),

        // sd_notify and journald: only SystemdIntegration imports CSystemd.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),

        // Pure IPv6 prefix math: no C, no Foundation.
        .target(
            name: "IPv6Addressing",
            swiftSettings: swiftSettings
        ),

        // TOML 1.0 parsing that reports every problem with its line and never traps: no C, no Foundation.
        .target(
            name: "TOMLParsing",
            swiftSettings: swiftSettings
        ),

        // rtnetlink over libmnl, plus the IPv6 sysctls under /proc/sys.
        .target(
            name: "Netlink",
            dependencies: [
                "CMnl",
                "IPv6Addressing",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // The HostUp cloud API: models of the routed-IPv6 state document and an HTTPS client.
        .target(
            name: "HostUpAPI",
            dependencies: [
                "IPv6Addressing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // NIOConnectionError (already linked through AsyncHTTPClient): transport errors are described from
                // its fields, not its text.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Desired × observed → plan → kernel. Knows nothing of the API.
        .target(
            name: "Reconciliation",
            dependencies: [
                "IPv6Addressing",
                "Netlink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // systemd glue: readiness, watchdog, journald.
        .target(
            name: "SystemdIntegration",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The agent: config, validation, identity, the poll loop, the state file.
        .target(
            name: "RoutingAgent",
            dependencies: [
                "IPv6Addressing",
                "TOMLParsing",
                "Netlink",
                "HostUpAPI",
                "Reconciliation",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // For `Errno` (NetlinkError.errno) in the status report.
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test and demo only: never linked into the agent.
        .target(
            name: "HostUpAPISimulator",
            dependencies: [
                "IPv6Addressing",
                "HostUpAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "HostUpRouted",
            dependencies: [
                "IPv6Addressing",
                "Netlink",
                "HostUpAPI",
                "Reconciliation",
                "RoutingAgent",
                "SystemdIntegration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // doctor's firewall tools (ToolRun); FilePath for their paths.
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HostUpAPISimulatorTool",
            dependencies: [
                "HostUpAPISimulator",
                "IPv6Addressing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test and development only: random and mutated inputs for the parsers of untrusted input
        // (scripts/fuzz.sh). Never packaged.
        .executableTarget(
            name: "HostUpRoutedFuzz",
            dependencies: ["Netlink", "HostUpAPI", "RoutingAgent"],
            swiftSettings: swiftSettings
        ),

        // Test and development only: a fleet of agents polling one API, simulated over virtual time with the
        // daemon's own PollSchedule (scripts/bench/fleet.sh). Never packaged.
        .executableTarget(
            name: "HostUpRoutedFleetSim",
            dependencies: ["RoutingAgent"],
            swiftSettings: swiftSettings
        ),

        // Test only: prints what TOMLParsing makes of a document as toml-test's tagged JSON, for
        // scripts/fuzz-toml.py. Never linked into the agent.
        .executableTarget(
            name: "TOMLTaggedJSONTool",
            dependencies: ["TOMLParsing"],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "IPv6AddressingTests", dependencies: ["IPv6Addressing"], swiftSettings: swiftSettings),
        .testTarget(name: "TOMLParsingTests", dependencies: ["TOMLParsing"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NetlinkTests",
            dependencies: ["Netlink", "IPv6Addressing"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetlinkIntegrationTests",
            dependencies: ["Netlink", "IPv6Addressing", "Reconciliation"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostUpAPITests",
            dependencies: [
                "HostUpAPI", "HostUpAPISimulator", "IPv6Addressing", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReconciliationTests",
            dependencies: [
                "Reconciliation", "Netlink", "IPv6Addressing", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SystemdIntegrationTests",
            dependencies: [
                "SystemdIntegration",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoutingAgentTests",
            dependencies: [
                "RoutingAgent", "Reconciliation", "Netlink", "HostUpAPI", "IPv6Addressing",
                // The in-process API for the command-line use cases (RouteCreationTests).
                "HostUpAPISimulator",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line's parsing (no command is run).
        .testTarget(
            name: "HostUpRoutedTests",
            dependencies: ["HostUpRouted", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
    ]
)
