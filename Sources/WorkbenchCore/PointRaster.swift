import Dispatch
import KMeansCore
import KMeansData
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where every point lands on the plot, independent of the clustering: the cell entry of each point (cell index
/// times the bands per cell, plus its band; −1 outside the bounds) and the braille dots lit in each cell. Built once
/// per data set, projection, plot size and marker, and reused for every step and frame.
struct PointGeometry: Sendable {
    /// Plot size in cells.
    let width: Int, height: Int
    /// Bands per cell: 2 for half-blocks (top, bottom), 1 otherwise.
    let bands: Int
    /// Cell entry per point, or −1 when the point lies outside the bounds.
    let entries: [Int32]
    /// Braille dot bits per cell (all zero unless braille).
    let dots: [UInt8]
    /// Points per cell entry (the density the scatter shades large data by).
    let counts: [Int32]

    /// Points at or above this count are split across the cores.
    static let parallelThreshold = 131_072

    /// Locates the plane positions `projected` (interleaved x, y) on a `width × height` plot showing `bounds`.
    init(projected: [Float], bounds: PlotBounds, width: Int, height: Int, marker: MarkerMode) {
        let n = projected.count / 2
        let subColumns = marker == .braille ? 2 : 1
        let subRows = marker == .braille ? 4 : (marker == .halfBlock ? 2 : 1)
        let bands = marker == .halfBlock ? 2 : 1
        let cells = width * height
        let parts = PointGeometry.parts(for: n)
        let locator = SubCellLocator(bounds: bounds, gridWidth: width * subColumns, gridHeight: height * subRows)
        var entries = [Int32](repeating: -1, count: n)
        var partDots = [UInt8](repeating: 0, count: parts * cells)
        let braille = marker == .braille
        let columnShift = subColumns == 2 ? 1 : 0, rowShift = subRows == 4 ? 2 : (subRows == 2 ? 1 : 0)
        projected.withUnsafeBufferPointer { xyBuffer in
            entries.withUnsafeMutableBufferPointer { entryBuffer in
                partDots.withUnsafeMutableBufferPointer { dotBuffer in
                    let shared = SharedBuffers(xy: xyBuffer.baseAddress, entries: entryBuffer.baseAddress, dots: dotBuffer.baseAddress)
                    forEachPart(parts, count: n) { part, range in
                        // Braille bit of sub-position (column sx % 2, row sy % 4), indexed column * 4 + row.
                        let bits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0x01, 0x02, 0x04, 0x40, 0x08, 0x10, 0x20, 0x80)
                        let xy = shared.xy!, out = shared.entries!, dots = shared.dots! + part * cells
                        for i in range {
                            guard let (sx, sy) = locator.locate(x: xy[2 &* i], y: xy[2 &* i &+ 1]) else { continue }
                            let cell = (sy >> rowShift) &* width &+ (sx >> columnShift)
                            out[i] = Int32(truncatingIfNeeded: bands == 2 ? cell &* 2 &+ (sy & 1) : cell)
                            if braille { dots[cell] |= withUnsafeBytes(of: bits) { $0[(sx & 1) &* 4 &+ (sy & 3)] } }
                        }
                    }
                }
            }
        }
        var dots = [UInt8](repeating: 0, count: cells)
        for part in 0..<parts { for cell in 0..<cells { dots[cell] |= partDots[part * cells + cell] } }
        self.width = width
        self.height = height
        self.bands = bands
        self.entries = entries
        self.dots = dots
        var counts = [Int32](repeating: 0, count: cells * bands)
        counts.withUnsafeMutableBufferPointer { out in
            entries.withUnsafeBufferPointer { source in
                for entry in source where entry >= 0 && Int(entry) < out.count { out[Int(entry)] &+= 1 }
            }
        }
        self.counts = counts
    }

    /// How many parts `n` points are split into (one below `parallelThreshold`; the count never changes results).
    static func parts(for n: Int) -> Int { n >= parallelThreshold ? max(1, min(4, activeProcessors())) : 1 }

    /// Online processors (1 when unknown).
    static func activeProcessors() -> Int {
        #if canImport(Glibc) || canImport(Darwin)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}

/// The clustering drawn on a `PointGeometry`: the majority cluster of each cell entry and which cells hold a point
/// of the current batch.
///
/// Votes are integer counts per part of the points, summed afterwards, so the result does not depend on how many
/// threads ran or in which order they finished.
struct PointRaster: Sendable {
    /// The point positions it was built on.
    let geometry: PointGeometry
    /// Majority slot per cell entry: a cluster index, `k` for points not assigned yet, or −1 for no points.
    /// Ties go to the lower slot.
    let owners: [Int16]
    /// Whether a point of the batch lies in the cell (empty when there is no batch).
    let inBatch: [Bool]

    /// Counts `labels` (missing or out-of-range labels count as not assigned, slot `k`) per cell entry.
    init(geometry: PointGeometry, labels: [Int32], batch: [Int], k: Int) {
        let n = geometry.entries.count
        let slots = k + 1
        let entryCount = geometry.width * geometry.height * geometry.bands
        let voteCount = entryCount * slots
        let parts = PointGeometry.parts(for: n)
        var votes = [Int32](repeating: 0, count: parts * voteCount)
        geometry.entries.withUnsafeBufferPointer { entryBuffer in
            labels.withUnsafeBufferPointer { labelBuffer in
                votes.withUnsafeMutableBufferPointer { voteBuffer in
                    let shared = VoteBuffers(entries: entryBuffer.baseAddress, labels: labelBuffer.baseAddress, labelCount: labelBuffer.count,
                                             votes: voteBuffer.baseAddress)
                    forEachPart(parts, count: n) { part, range in
                        let entries = shared.entries!, votes = shared.votes! + part * voteCount
                        let labelled = range.clamped(to: 0..<min(n, shared.labelCount))
                        for i in labelled {
                            let entry = Int(entries[i])
                            guard entry >= 0 else { continue }
                            var label = Int(shared.labels![i])
                            if label < 0 || label > k { label = k }
                            votes[entry &* slots &+ label] &+= 1
                        }
                        for i in labelled.upperBound..<max(labelled.upperBound, range.upperBound) {
                            let entry = Int(entries[i])
                            if entry >= 0 { votes[entry &* slots &+ k] &+= 1 }
                        }
                    }
                }
            }
        }
        var owners = [Int16](repeating: -1, count: entryCount)
        votes.withUnsafeMutableBufferPointer { v in
            for part in 1..<max(1, parts) {
                let offset = part * voteCount
                for i in 0..<voteCount { v[i] &+= v[offset + i] }
            }
            for entry in 0..<entryCount {
                var best: Int16 = -1, bestVotes: Int32 = 0
                let base = entry * slots
                for s in 0..<slots where v[base + s] > bestVotes {
                    bestVotes = v[base + s]
                    best = Int16(s)
                }
                owners[entry] = best
            }
        }
        var inBatch: [Bool] = []
        if !batch.isEmpty {
            inBatch = [Bool](repeating: false, count: geometry.width * geometry.height)
            for i in batch where i >= 0 && i < n && geometry.entries[i] >= 0 {
                inBatch[Int(geometry.entries[i]) / geometry.bands] = true
            }
        }
        self.geometry = geometry
        self.owners = owners
        self.inBatch = inBatch
    }
}

/// Runs `body(part, range)` over `parts` equal consecutive ranges of `0..<count`, on all cores when `parts > 1`.
private func forEachPart(_ parts: Int, count: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
    if parts <= 1 { body(0, 0..<count); return }
    let chunk = (count + parts - 1) / parts
    Parallel.forEach(parts) { part in
        body(part, min(count, part * chunk)..<min(count, part * chunk + chunk))
    }
}

/// Raw buffers shared by the geometry threads; each writes only its own range of `entries` and block of `dots`.
private struct SharedBuffers: @unchecked Sendable {
    let xy: UnsafePointer<Float>?
    let entries: UnsafeMutablePointer<Int32>?
    let dots: UnsafeMutablePointer<UInt8>?
}

/// Raw buffers shared by the voting threads; each writes only its own block of `votes`.
private struct VoteBuffers: @unchecked Sendable {
    let entries: UnsafePointer<Int32>?
    let labels: UnsafePointer<Int32>?
    let labelCount: Int
    let votes: UnsafeMutablePointer<Int32>?
}

/// The sub-cell (braille dot, half-block or cell) of a plane position.
private struct SubCellLocator: Sendable {
    let minX: Float, maxY: Float, spanX: Float, spanY: Float
    let gridWidth: Int, gridHeight: Int

    init(bounds: PlotBounds, gridWidth: Int, gridHeight: Int) {
        minX = bounds.minX
        maxY = bounds.maxY
        spanX = bounds.maxX - bounds.minX
        spanY = bounds.maxY - bounds.minY
        self.gridWidth = gridWidth
        self.gridHeight = gridHeight
    }

    /// The sub-cell of `(x, y)`, or nil outside the bounds (or not finite).
    @inline(__always)
    func locate(x: Float, y: Float) -> (sx: Int, sy: Int)? {
        let fx = (x - minX) / spanX, fy = (maxY - y) / spanY
        guard fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { return nil }
        return (min(gridWidth - 1, Int(fx * Float(gridWidth))), min(gridHeight - 1, Int(fy * Float(gridHeight))))
    }
}

/// The last raster and the inputs it was built from, reused while they do not change (history steps whose labels
/// are the same array, overlays, key-bar and panel updates). Arrays compare by buffer identity first, so a hit
/// costs a few comparisons; the cache holds the arrays, so an identical buffer cannot be a recycled one. Positions (which depend on the data, projection and
/// plot size only) are cached separately from the votes (which depend on the labels).
final class RasterCache: Sendable {
    /// What the point positions depend on.
    struct GeometryKey: Equatable, Sendable {
        var projected: [Float]
        var bounds: PlotBounds
        var width: Int, height: Int
        var marker: MarkerMode
    }

    /// What the votes depend on besides the positions.
    struct LabelKey: Equatable, Sendable {
        var labels: [Int32]
        var batch: [Int]
        var k: Int
    }

    private let geometries = Mutex<(key: GeometryKey, geometry: PointGeometry)?>(nil)
    private let rasters = Mutex<(geometry: GeometryKey, labels: LabelKey, raster: PointRaster)?>(nil)

    /// What a recomputed assignment (a trimmed history frame's labels) depends on.
    struct EvaluationKey: Equatable, Sendable {
        var centers: Matrix
        var points: Matrix
        var dataColumns: Int
        var metric: DistanceMetric
    }

    private let assignments = Mutex<(key: EvaluationKey, labels: [Int32])?>(nil)

    /// The raster for these inputs: cached when nothing changed, re-voted when only the labels or batch changed,
    /// rebuilt when the positions changed.
    func raster(geometry geometryKey: GeometryKey, labels labelKey: LabelKey) -> PointRaster {
        if let hit = rasters.withLock({ entry in entry.flatMap { $0.geometry == geometryKey && $0.labels == labelKey ? $0.raster : nil } }) {
            return hit
        }
        let geometry: PointGeometry
        if let known = geometries.withLock({ entry in entry.flatMap { $0.key == geometryKey ? $0.geometry : nil } }) {
            geometry = known
        } else {
            geometry = PointGeometry(projected: geometryKey.projected, bounds: geometryKey.bounds, width: geometryKey.width,
                                     height: geometryKey.height, marker: geometryKey.marker)
            geometries.withLock { $0 = (geometryKey, geometry) }
        }
        let raster = PointRaster(geometry: geometry, labels: labelKey.labels, batch: labelKey.batch, k: labelKey.k)
        rasters.withLock { $0 = (geometryKey, labelKey, raster) }
        return raster
    }

    /// The labels of a trimmed history frame (``Session/displayLabels``), computed by `make` when not cached.
    func assignment(for key: EvaluationKey, make: () -> [Int32]) -> [Int32] {
        if let hit = assignments.withLock({ entry in entry.flatMap { $0.key == key ? $0.labels : nil } }) { return hit }
        let labels = make()
        assignments.withLock { $0 = (key, labels) }
        return labels
    }

    /// What the truth agreement was computed from: the same labels (usually the same array buffer, compared in O(1)),
    /// truth and k give the same table, so frames that do not change the clusters do not recount every row.
    struct AgreementKey: Equatable {
        var labels: [Int32]
        var truth: TruthLabels
        var k: Int
    }

    private let agreements = Mutex<(key: AgreementKey, agreement: Agreement)?>(nil)

    /// The agreement for `key`, made by `make` only when the last one was for other labels.
    func agreement(for key: AgreementKey, make: () -> Agreement) -> Agreement {
        if let hit = agreements.withLock({ entry in entry.flatMap { $0.key == key ? $0.agreement : nil } }) { return hit }
        let agreement = make()
        agreements.withLock { $0 = (key, agreement) }
        return agreement
    }
}
