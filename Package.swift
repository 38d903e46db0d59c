// swift-tools-version:6.0
import PackageDescription

// Linux only: the storage layer calls Linux system interfaces (Sources/MaskStorage/SystemCalls.swift:
// posix_fallocate, madvise(MADV_POPULATE_WRITE), /proc boot ids), so no other platform is declared.
//
// Layers, each depending only on those below it:
//   CLZ4, CMaskKernels, CMaskGuard  (C leaves)
//   MaskFormat          on-disk constants, little-endian coding, checksums, value semantics
//   MaskStorage         mapped files, segments, manifest, ingest (the only library importing CLZ4;
//                       masksearch-bench also calls liblz4 directly to measure its limits)
//   MaskIndex           the Cumulative Histogram Index and its bounds
//   MaskQuery           the query pipeline: Syntax/, Planning/, Evaluation/, Bounds/, Execution/,
//                       Explain/, Session/ (a folder per stage)
//   MaskSearchABI       the C ABI over the engine (@_cdecl exports of include/masksearch.h)
//   MaskInspect         the format dumper, as library code
//   CSPNG, CTurboJPEG   system libspng (PNG, on zlib) and libjpeg-turbo (JPEG)
//   MaskImaging         images as values: PNG/JPEG codecs, colour maps, overlays, augmentation
//   MaskExport          export and augmentation of a query's result to a directory or a zip
//   MaskDatasets        the synthetic dataset generator (no storage dependency; images via MaskImaging)
//   MaskServer          `masksearch serve`: the HTTP API and the page (Hummingbird 2)
//   masksearch          the command-line tool (Tools/masksearch)
let package = Package(
    name: "masksearch",
    products: [
        .executable(name: "masksearch", targets: ["masksearch"]),
        .library(name: "MaskQuery", targets: ["MaskQuery"]),
        // The C ABI (include/masksearch.h) the Python package loads: libMaskSearchABI.so.
        .library(name: "MaskSearchABI", type: .dynamic, targets: ["MaskSearchABI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .systemLibrary(name: "CSPNG", pkgConfig: "spng", providers: [.apt(["libspng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // Debug builds (the tests) also compile the AVX-512 variants through SIMDe when
        // libsimde-dev is installed: ISA level 4, see Sources/CMaskKernels/internal.h.
        .target(name: "CMaskKernels", cSettings: [.define("CMK_EMULATE_AVX512", .when(configuration: .debug))]),
        .target(name: "MaskFormat", dependencies: ["CMaskKernels"]),
        // SIGBUS on a mapped file (an I/O error, a file truncated under its mapping) → an error
        // naming the file, exit 1 (MappedFile registers its mappings; the CLI installs the handler).
        .target(name: "CMaskGuard"),
        .target(
            name: "MaskStorage",
            dependencies: ["MaskFormat", "CLZ4", "CMaskKernels", "CMaskGuard", .product(name: "SwiftCSV", package: "SwiftCSV")]
        ),
        .target(name: "MaskIndex", dependencies: ["MaskStorage", "MaskFormat", "CMaskKernels"]),
        .target(name: "MaskQuery", dependencies: ["MaskIndex", "MaskStorage", "MaskFormat", "CMaskKernels"]),
        .target(
            name: "MaskSearchABI",
            dependencies: ["MaskQuery", "MaskIndex", "MaskStorage", "MaskFormat"],
            exclude: ["include"]
        ),
        .target(name: "MaskInspect", dependencies: ["MaskIndex", "MaskStorage", "MaskFormat"]),
        .target(name: "MaskImaging", dependencies: ["CSPNG", "CTurboJPEG", "MaskFormat"]),
        .target(
            name: "MaskExport",
            dependencies: [
                "MaskQuery", "MaskImaging", "MaskStorage", "MaskFormat", "MaskDatasets",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(name: "MaskDatasets", dependencies: ["MaskImaging"]),
        .target(
            name: "MaskServer",
            dependencies: [
                "MaskQuery", "MaskIndex", "MaskStorage", "MaskFormat", "MaskImaging", "MaskExport", "MaskDatasets",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Web")]
        ),
        .executableTarget(
            name: "masksearch",
            dependencies: [
                "MaskQuery", "MaskInspect", "MaskDatasets", "MaskStorage", "MaskIndex", "MaskServer", "MaskExport", "MaskImaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/masksearch"
        ),
        .target(name: "MaskTestSupport", dependencies: ["MaskFormat"], path: "Tests/MaskTestSupport"),
        .executableTarget(
            name: "masksearch-bench",
            dependencies: [
                "MaskQuery", "MaskIndex", "MaskStorage", "MaskFormat", "CMaskKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/bench"
        ),
        .testTarget(name: "MaskKernelsTests", dependencies: ["CMaskKernels", "MaskTestSupport"]),
        .testTarget(name: "MaskFormatTests", dependencies: ["MaskFormat"]),
        .testTarget(name: "MaskStorageTests", dependencies: ["MaskStorage"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MaskIndexTests", dependencies: ["MaskIndex", "MaskStorage", "MaskTestSupport"]),
        .testTarget(name: "MaskQueryTests", dependencies: ["MaskQuery", "MaskStorage", "MaskIndex", "MaskTestSupport"]),
        .testTarget(name: "MaskSearchABITests", dependencies: ["MaskSearchABI"]),
        .testTarget(name: "MaskInspectTests", dependencies: ["MaskInspect", "MaskStorage"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MaskDatasetsTests", dependencies: ["MaskDatasets", "MaskImaging"]),
        .testTarget(name: "MaskImagingTests", dependencies: ["MaskImaging", "MaskFormat"]),
        .testTarget(
            name: "MaskExportTests",
            dependencies: [
                "MaskExport", "MaskImaging", "MaskQuery", "MaskStorage", "MaskFormat", "MaskDatasets",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(
            name: "MaskServerTests",
            dependencies: [
                "MaskServer", "MaskQuery", "MaskStorage", "MaskImaging", "MaskTestSupport", "masksearch",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "CLITests", dependencies: ["masksearch", "MaskTestSupport"], resources: [.copy("Fixtures")]),
        // What each fuzz target does with one input (Tests/Fuzz/README.md): an ordinary library, so
        // the normal build compiles it and FuzzRegressionTests replays the committed crash inputs
        // and seeds through exactly the code the fuzzers run.
        .target(
            name: "MaskFuzzHarness",
            dependencies: ["MaskQuery", "MaskInspect", "MaskImaging", "MaskIndex", "MaskStorage", "MaskFormat"],
            path: "Tests/Fuzz/Harness"
        ),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["MaskFuzzHarness"], path: "Tests/Fuzz/RegressionTests"),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer executables (Tools/fuzz.sh, Tests/Fuzz/README.md), declared only when MASKSEARCH_FUZZ
// is set. Why this way and not a separate package under Tests/Fuzz: the fuzzers' entry point is
// `LLVMFuzzerTestOneInput` (libFuzzer supplies `main`), so they cannot link in an ordinary `swift
// build`, which builds every executable; gated here they are invisible to `swift build` / `swift
// test`, while Tools/fuzz.sh builds them into .build-fuzz with libFuzzer and AddressSanitizer
// (see there for the flags), instrumenting every module they link — the engine, the C kernels and
// SwiftCSV — from one package graph with no second Package.resolved.
// `-parse-as-library`: the files have no top-level code and no @main.
if Context.environment["MASKSEARCH_FUZZ"] != nil {
    for name in ["sql", "npy", "image", "database"] {
        package.targets.append(.executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["MaskFuzzHarness"],
            path: "Tests/Fuzz/Targets/\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ))
        package.products.append(.executable(name: "fuzz-\(name)", targets: ["fuzz-\(name)"]))
    }
}
