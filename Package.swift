// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "kmeans",
    products: [
        .library(name: "KMeansCore", targets: ["KMeansCore"]),
        .library(name: "KMeansEstimator", targets: ["KMeansEstimator"]),
        .library(name: "TFFormats", targets: ["TFFormats"]),
        .library(name: "KMeansData", targets: ["KMeansData"]),
        .executable(name: "kmeans", targets: ["KMeansCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (DocC); a plugin only, never part of a build.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Hot loops in C with runtime CPU dispatch (AVX-512 / AVX2+FMA / portable).
        .target(name: "CKMeansKernels"),
        // The pure clustering core: math, RNG, initialisation, training steps. No files, no terminal.
        .target(name: "KMeansCore", dependencies: ["CKMeansKernels"]),
        // The one atomic file writer (temporary file, fsync, rename), for every target that writes files.
        .target(name: "AtomicFiles"),
        // TensorFlow's on-disk formats: tensor bundle, checkpoint state, event files, model_dir layout.
        .target(name: "TFFormats", dependencies: ["AtomicFiles"]),
        // The TensorFlow-style estimator (KMeansClustering) over the core, persisting to a model_dir.
        .target(name: "KMeansEstimator", dependencies: ["KMeansCore", "TFFormats"]),
        // Data files in and out: CSV / TSV / NPY.
        .target(name: "KMeansData", dependencies: ["KMeansCore", "AtomicFiles"]),
        // Vector pictures: the SVG writer and the publication-style cluster scatter of `kmeans plot`.
        .target(name: "KMeansPlot", dependencies: ["KMeansCore"]),
        // The workbench's pure model and renderer (session, history, keymap, cell grid).
        .target(name: "WorkbenchCore", dependencies: ["KMeansCore", "KMeansEstimator", "KMeansData", "TFFormats", "KMeansPlot"]),
        // ncurses, wide-character build; the only C surface the terminal backend sees.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncursesw5-dev"])]),
        // The one backend that touches ncurses.
        .target(name: "WorkbenchTerminal", dependencies: ["WorkbenchCore", "CNcursesw"]),
        // The `kmeans` commands as a library (testable in-process): workbench (default), train, evaluate, predict…
        .target(
            name: "KMeansCommands",
            dependencies: [
                "KMeansCore", "KMeansEstimator", "KMeansData", "TFFormats", "WorkbenchCore", "WorkbenchTerminal", "KMeansPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The `kmeans` executable: a thin main over KMeansCommands.
        .executableTarget(name: "KMeansCLI", dependencies: ["KMeansCommands"]),
        // Side-by-side benchmark against scikit-learn / FAISS (run with -c release).
        .executableTarget(
            name: "KMeansBenchmarks",
            dependencies: ["KMeansCore", "KMeansData", "KMeansEstimator", "WorkbenchCore", "KMeansMemoryProbe"]
        ),
        // Peak RSS of full-batch training in a core-only process (no Foundation); KMeansBenchmarks runs it.
        .executableTarget(name: "KMeansMemoryProbe", dependencies: ["KMeansCore", "KMeansData"]),
        // The seed document's own example, runnable: `swift run SeedExample`.
        .executableTarget(name: "SeedExample", dependencies: ["KMeansEstimator", "KMeansData"], path: "Samples/SeedExample"),

        // Fixture readers shared by the parity suites.
        .target(name: "KMeansTestSupport", dependencies: ["KMeansCore"], path: "Tests/KMeansTestSupport"),
        .testTarget(name: "KMeansCoreTests", dependencies: ["KMeansCore", "KMeansTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KMeansEstimatorTests", dependencies: ["KMeansEstimator", "KMeansCore", "TFFormats", "KMeansTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TFFormatsTests", dependencies: ["TFFormats", "KMeansCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KMeansDataTests", dependencies: ["KMeansData", "KMeansCore"]),
        .testTarget(name: "WorkbenchCoreTests", dependencies: ["WorkbenchCore", "KMeansCore"], resources: [.copy("Snapshots")]),
        .testTarget(name: "KMeansPlotTests", dependencies: ["KMeansPlot", "KMeansCore", "WorkbenchCore"]),
        .testTarget(name: "KMeansCLITests", dependencies: ["KMeansCLI", "KMeansCommands", "KMeansEstimator", "TFFormats", "WorkbenchCore", "KMeansCore"], resources: [.copy("Fixtures")]),
    ]
)
