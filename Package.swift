// swift-tools-version: 6.1
// The Deepfake Workbench: media I/O on FFmpeg and libpng, a CPU neural-network core on OpenBLAS,
// face finding on OpenCV's cascades, a DCGAN, and the `deepfake` command line. See README.md and
// each Sources/<Module>/README.md.
import PackageDescription

/// Hot numeric modules are compiled for AVX2/FMA (Zen/Haswell and later). Set
/// DEEPFAKE_PORTABLE=1 to build for baseline x86-64 instead.
let fastMath: [SwiftSetting] =
    Context.environment["DEEPFAKE_PORTABLE"] == nil
    ? [.unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux]))] : []

/// Modules whose loops the tests exercise on real media and models are optimised in debug builds
/// too, so `swift test` stays within minutes (the cascade scan, SWD, pixel loops, convolutions).
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
let hot: [SwiftSetting] = fastMath + optimisedInDebug

let package = Package(
    name: "deepfake-workbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "deepfake", targets: ["deepfake"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Faces", targets: ["Faces"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "GAN", targets: ["GAN"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SQLite for the results store (Sources/Store).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // MARK: - C libraries
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CShims", dependencies: ["CFFmpeg", "CPNG"]),

        // MARK: - Library modules
        .target(name: "Media", dependencies: ["CFFmpeg", "CPNG", "CShims"], exclude: ["README.md"],
                swiftSettings: optimisedInDebug),
        .target(name: "NN", dependencies: ["CBLAS"], exclude: ["README.md"],
                swiftSettings: hot),
        .target(
            name: "Faces", dependencies: ["Media", "NN"], exclude: ["README.md"],
            // The cascade scan is optimised in debug builds too, so the tests on real videos stay
            // around a minute instead of ten.
            swiftSettings: hot),
        // GAN is optimised in debug builds too: its SWD metric (patch gathering, sorting 10⁵-value
        // projections) ran ~40 s per call unoptimised in `swift test`, and tests call it often.
        .target(name: "GAN", dependencies: ["NN"], exclude: ["README.md"],
                swiftSettings: hot),
        .target(name: "Datasets", dependencies: ["Media", "Faces", "NN"], exclude: ["README.md"]),
        .target(name: "Manipulation", dependencies: ["Media", "Faces", "Datasets", "GAN", "NN"], exclude: ["README.md"],
                swiftSettings: hot),
        .target(name: "Detection", dependencies: ["Media", "Faces", "Datasets", "NN", "GAN"], exclude: ["README.md"]),
        // The training half of the detector (builder, trainer, crop sources, augmentation,
        // self-blended images, splits, evaluation metrics); Detection keeps what scoring needs.
        // Pixel and mask loops run per training pair, so the module is optimised in debug builds too.
        .target(name: "DetectorTraining", dependencies: ["Media", "Faces", "Datasets", "NN", "GAN", "Detection"],
                exclude: ["README.md"], swiftSettings: hot),

        // The results store (SQLite through GRDB), input lists, shards and report folders.
        .target(name: "Store", dependencies: ["Detection", "Media", .product(name: "GRDB", package: "GRDB.swift")],
                exclude: ["README.md"]),

        // MARK: - Executables
        .executableTarget(
            name: "deepfake",
            dependencies: [
                "Media", "NN", "Faces", "Datasets", "GAN", "Manipulation", "Detection", "DetectorTraining", "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Benchmarks (tools/bench/*.sh); not products.
        .executableTarget(name: "media-bench", dependencies: ["Media"]),
        .executableTarget(name: "nn-bench", dependencies: ["NN"], swiftSettings: fastMath),
        // Agreement and speed of the face detector against OpenCV (tools/bench/faces.sh); not a product.
        .executableTarget(
            name: "faces-bench",
            dependencies: [
                "Media", "Faces", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // A contact sheet of self-blended pairs and their speed (tools/sbi/sheet.sh); not a product.
        .executableTarget(
            name: "sbi-sheet",
            dependencies: [
                "Media", "Faces", "Detection", "DetectorTraining", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // A writer loop the results store's crash test kills with SIGKILL; not a product.
        .executableTarget(name: "store-writer", dependencies: ["Store", "Detection", "Media"]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["NN"], path: "Tests/TestSupport"),
        .testTarget(name: "MediaTests", dependencies: ["Media", "media-bench"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"]),
        .testTarget(name: "GANTests", dependencies: ["GAN", "TestSupport"]),
        .testTarget(name: "FacesTests", dependencies: ["Faces", "Media", "NN", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Media", "NN", "TestSupport"]),
        .target(name: "DetectionTestSupport", dependencies: ["Detection", "Media", "GAN", "NN", "TestSupport"],
                path: "Tests/DetectionTestSupport"),
        .testTarget(name: "DetectionTests",
                    dependencies: ["Detection", "Media", "Faces", "GAN", "NN", "Datasets", "TestSupport", "DetectionTestSupport"]),
        .testTarget(
            name: "DetectorTrainingTests",
            dependencies: ["DetectorTraining", "Detection", "Media", "Faces", "NN", "GAN", "Datasets", "TestSupport", "DetectionTestSupport"]),
        .testTarget(
            name: "ManipulationTests", dependencies: ["Manipulation", "Media", "Faces", "GAN", "NN", "Datasets", "TestSupport"]),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "Detection", "Media", "TestSupport", "store-writer", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "DeepfakeCLITests", dependencies: ["deepfake", "TestSupport", "Detection", "GAN", "NN", "Media", "Store"],
            exclude: ["Snapshots"]),
    ]
)
