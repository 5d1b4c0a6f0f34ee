import KMeansCore

/// The scatter plot's Voronoi shading: the centre nearest (under the run's metric) to the middle of every plot cell.
/// The session computes it when what it depends on changes; the scatter view only reads it.
public struct VoronoiRegions: Sendable, Equatable {
    /// What the regions depend on.
    public struct Inputs: Sendable, Equatable {
        /// The centres on screen, in the units "nearest" is measured in (the run's z-scores when `scaling` is set).
        public var centers: Matrix
        /// The projection between data space and the plot's plane.
        public var planeMap: PlaneMap
        /// The plane ranges the plot shows.
        public var bounds: PlotBounds
        /// Plot size in cells.
        public var width: Int, height: Int
        /// The metric "nearest" is measured in.
        public var metric: DistanceMetric
        /// The run's z-scores, when it clusters standardised data: cell middles are standardised before the search,
        /// so the regions are those the run assigns by. Nil: data units.
        public var scaling: Standardization.Scaling? = nil
    }

    /// What the regions were computed from (nil for a map given cell by cell).
    public let inputs: Inputs?
    /// Plot size in cells.
    public let width: Int, height: Int
    /// Index of the nearest centre of every cell, row-major.
    public let owners: [Int]

    /// A map given cell by cell: `owners` holds `width × height` centre indices, row-major.
    public init(width: Int, height: Int, owners: [Int]) {
        precondition(owners.count == width * height, "a Voronoi map needs one owner per cell")
        inputs = nil
        self.width = width
        self.height = height
        self.owners = owners
    }

    /// Computes the nearest centre of every cell's middle (unprojected into data space) for `inputs`.
    public init(_ inputs: Inputs) {
        let metric = inputs.metric, centers = inputs.centers
        let width = inputs.width, height = inputs.height
        let plot = Rect(x: 0, y: 0, width: width, height: height)
        let d = centers.columns
        var cellPoints = [Float](repeating: 0, count: width * height * d)
        for row in 0..<height {
            for column in 0..<width {
                let p = inputs.bounds.planePoint(column: column, row: row, plot: plot)
                var offset = (row * width + column) * d
                for value in inputs.planeMap.unproject(x: p.x, y: p.y).prefix(d) { cellPoints[offset] = value; offset += 1 }
            }
        }
        var cellMatrix = Matrix(rows: width * height, columns: d, values: cellPoints)
        if let scaling = inputs.scaling { cellMatrix = scaling.standardized(cellMatrix) }
        if metric == .cosine { cellMatrix = StepEngine.normalizedRows(cellMatrix) }
        let metricCenters = metric == .cosine ? StepEngine.normalizedRows(centers) : centers
        self.inputs = inputs
        self.width = width
        self.height = height
        owners = StepEngine.nearest(points: cellMatrix, rows: nil, centers: metricCenters, metric: metric).labels.map { Int($0) }
    }

    /// The owner of the cell at `column`, `row` of the plot.
    public func owner(column: Int, row: Int) -> Int { owners[row * width + column] }
}

extension Session {
    /// The Voronoi inputs of what is on screen: nil when shading is off, the plot too small or no centres are shown.
    var voronoiInputs: VoronoiRegions.Inputs? {
        guard view.voronoi, layout.fits else { return nil }
        let plot = layout.plot
        guard plot.width > 2, plot.height > 2 else { return nil }
        // A checkpoint is shown (and scored) in original units; the run's own centres are taken as the run holds
        // them, in the units it clusters.
        let centers: Matrix?, scaling: Standardization.Scaling?
        if let checkpoint = shownCheckpoint {
            (centers, scaling) = (checkpoint.entry.centers, nil)
        } else {
            centers = currentFrame.map { FrameJob.displayCenters(engine: engine, state: $0.state) }
            scaling = standardization?.scaling
        }
        guard let centers, centers.rows > 0 else { return nil }
        return VoronoiRegions.Inputs(centers: centers, planeMap: planeMap, bounds: bounds, width: plot.width,
                                     height: plot.height, metric: settings.metric, scaling: scaling)
    }

    /// Recomputes `voronoiRegions` when its inputs changed (centres on screen, plot size, bounds, projection, metric,
    /// the toggle); a no-op otherwise.
    mutating func refreshVoronoiRegions() {
        let inputs = voronoiInputs
        guard inputs != voronoiRegions?.inputs else { return }
        voronoiRegions = inputs.map(VoronoiRegions.init)
    }
}
