/// How many colours the terminal can show; every colour the renderer emits is reduced to this tier.
public enum ColorTier: String, Sendable, CaseIterable {
    /// 24-bit colour.
    case truecolor
    /// The xterm 256-colour palette.
    case palette256 = "256"
    /// The eight ANSI colours.
    case ansi8 = "8"
    /// No colour at all: attributes and glyphs only (also what `NO_COLOR` selects).
    case mono

    /// Picks a tier from an explicit override, the `NO_COLOR` and `COLORTERM` environment variables and the number
    /// of colours the terminal reports; the override wins, then `NO_COLOR`.
    public static func detect(override: ColorTier?, environment: [String: String], terminalColors: Int) -> ColorTier {
        if let override { return override }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .mono }
        let colorTerm = environment["COLORTERM"]?.lowercased() ?? ""
        if terminalColors >= 256, colorTerm == "truecolor" || colorTerm == "24bit" { return .truecolor }
        if terminalColors >= 256 { return .palette256 }
        if terminalColors >= 8 { return .ansi8 }
        return .mono
    }
}

/// An RGB colour.
public struct RGB: Sendable, Hashable {
    /// Red, green and blue, 0–255.
    public var r: UInt8, g: UInt8, b: UInt8
    /// Creates a colour.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
}

/// The workbench's colours and per-cluster glyphs, reduced to a colour tier.
public struct Palette: Sendable {
    /// The tier every colour is reduced to.
    public let tier: ColorTier

    /// Creates the palette for `tier`.
    public init(tier: ColorTier) { self.tier = tier }

    /// Cluster colours (Okabe–Ito-like, distinguishable for common colour-vision deficiencies), with the ANSI colour
    /// each falls back to on 8-colour terminals.
    static let clusterColors: [(rgb: RGB, ansi: UInt8)] = [
        (RGB(0x56, 0xB4, 0xE9), 6), // sky blue → cyan
        (RGB(0xE6, 0x9F, 0x00), 3), // orange → yellow
        (RGB(0x00, 0x9E, 0x73), 2), // green
        (RGB(0xCC, 0x79, 0xA7), 5), // pink → magenta
        (RGB(0xD5, 0x5E, 0x00), 1), // vermillion → red
        (RGB(0x00, 0x72, 0xB2), 4), // blue
        (RGB(0xF0, 0xE4, 0x42), 3), // yellow
        (RGB(0xBB, 0xBB, 0xBB), 7), // grey → white
    ]

    /// Per-cluster point glyphs, so clusters differ without colour.
    static let clusterGlyphs: [Unicode.Scalar] = ["o", "+", "x", "*", "#", "%", "@", "=", "~", "$", "&", "^"]
    /// ASCII-safe centre labels.
    static let centerLabels: [Unicode.Scalar] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)

    /// The point glyph of cluster `index`.
    public func pointGlyph(_ index: Int) -> Unicode.Scalar { Self.clusterGlyphs[index % Self.clusterGlyphs.count] }

    /// The centre label of cluster `index` (A, B, …; after Z it wraps).
    public func centerLabel(_ index: Int) -> Unicode.Scalar { Self.centerLabels[index % Self.centerLabels.count] }

    /// The colour of cluster `index` in this tier.
    public func cluster(_ index: Int) -> TerminalColor {
        let entry = Self.clusterColors[index % Self.clusterColors.count]
        return reduce(entry.rgb, ansi: entry.ansi)
    }

    /// A dark tint of cluster `index`'s colour, for Voronoi backgrounds (only in truecolor and 256).
    public func clusterShade(_ index: Int) -> TerminalColor {
        let c = Self.clusterColors[index % Self.clusterColors.count].rgb
        let dark = RGB(UInt8(Int(c.r) * 28 / 100), UInt8(Int(c.g) * 28 / 100), UInt8(Int(c.b) * 28 / 100))
        switch tier {
        case .truecolor: return .rgb(dark.r, dark.g, dark.b)
        case .palette256: return .indexed(Self.clusterShades256[index % Self.clusterShades256.count])
        case .ansi8, .mono: return .standard
        }
    }

    /// Voronoi shades in the 256-colour cube, one per cluster colour in the same order: a dark colour of the same
    /// hue (levels 0 / 95 / 135), so regions stay distinct on a projector instead of collapsing to near-black greys.
    static let clusterShades256: [UInt8] = [24, 94, 22, 96, 88, 18, 100, 240]

    /// How strongly a cell of points is drawn: faint (outside the mini-batch, sparse), normal, or strong (the densest).
    public enum PointEmphasis: Sendable, Equatable {
        /// Recedes.
        case faint
        /// The cluster's own colour.
        case normal
        /// Stands out.
        case strong
    }

    /// The colour and attributes of a point cell of cluster `index` (nil: not assigned yet) at `emphasis`. With 256
    /// colours or more a faint cell takes a darker colour of the same hue instead of the dim attribute, so faint and
    /// normal neighbours differ in colour only (a terminal switches colour in one short sequence, while turning an
    /// attribute off resets every attribute and colour); on 8 colours and mono, dim and bold.
    public func pointStyle(cluster index: Int?, emphasis: PointEmphasis, background: TerminalColor = .standard) -> CellStyle {
        let colour = index.map(cluster) ?? (tier == .mono ? .standard : muted)
        switch emphasis {
        case .normal: return CellStyle(foreground: colour, background: background)
        case .strong: return CellStyle(foreground: colour, background: background, attributes: [.bold])
        case .faint:
            guard canShadeBackground else { return CellStyle(foreground: colour, background: background, attributes: [.dim]) }
            let dark = index.map { Self.faintClusters256[$0 % Self.faintClusters256.count] } ?? Self.faintMuted256
            let foreground: TerminalColor = tier == .palette256 ? .indexed(dark) : { let c = Self.rgb256(dark); return .rgb(c.r, c.g, c.b) }()
            return CellStyle(foreground: foreground, background: background)
        }
    }

    /// How a mini-batch is shown: its cells stand out from the rest (in colour tiers the rest is darker, so the batch
    /// keeps its cluster's colour and needs no bold).
    public func batchEmphasis(inBatch: Bool) -> PointEmphasis {
        inBatch ? (canShadeBackground ? .normal : .strong) : .faint
    }

    /// Faint point colours in the 256-colour cube, one per cluster colour in the same order: about 60 % of its
    /// brightness, hand-picked so that no two coincide and none is its own cluster's Voronoi shade.
    static let faintClusters256: [UInt8] = [67, 136, 29, 132, 130, 24, 142, 244]
    /// The faint colour of points not assigned yet.
    static let faintMuted256: UInt8 = 240

    /// The RGB value of xterm colour `index` (16–255).
    static func rgb256(_ index: UInt8) -> RGB {
        if index >= 232 {
            let v = UInt8(8 + 10 * (Int(index) - 232))
            return RGB(v, v, v)
        }
        let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
        let cube = max(0, Int(index) - 16)
        return RGB(levels[cube / 36 % 6], levels[cube / 6 % 6], levels[cube % 6])
    }

    /// Whether this tier can shade backgrounds without hurting readability.
    public var canShadeBackground: Bool { tier == .truecolor || tier == .palette256 }

    /// Accent colour for titles and the running marker.
    public var accent: TerminalColor { reduce(RGB(0x56, 0xB4, 0xE9), ansi: 6) }
    /// Colour for warnings and the paused marker background.
    public var warning: TerminalColor { reduce(RGB(0xF0, 0xE4, 0x42), ansi: 3) }
    /// Colour for good news (running, converged).
    public var good: TerminalColor { reduce(RGB(0x00, 0x9E, 0x73), ansi: 2) }
    /// Colour for errors.
    public var error: TerminalColor { reduce(RGB(0xD5, 0x5E, 0x00), ansi: 1) }
    /// Colour for secondary text.
    public var muted: TerminalColor {
        switch tier {
        case .truecolor: return .rgb(0x90, 0x90, 0x90)
        case .palette256: return .indexed(246)
        case .ansi8, .mono: return .standard
        }
    }
    /// Black, for text on coloured markers.
    public var ink: TerminalColor { tier == .mono ? .standard : .indexed(0) }

    /// Reduces an RGB colour to this tier.
    public func reduce(_ rgb: RGB, ansi: UInt8) -> TerminalColor {
        switch tier {
        case .truecolor: return .rgb(rgb.r, rgb.g, rgb.b)
        case .palette256: return .indexed(Self.nearest256(rgb))
        case .ansi8: return .indexed(ansi)
        case .mono: return .standard
        }
    }

    /// The nearest colour of the xterm 256-colour cube or grey ramp.
    public static func nearest256(_ c: RGB) -> UInt8 {
        let levels: [Int] = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<levels.count where abs(levels[i] - Int(v)) < abs(levels[best] - Int(v)) { best = i }
            return best
        }
        let ri = nearestLevel(c.r), gi = nearestLevel(c.g), bi = nearestLevel(c.b)
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cube = (levels[ri], levels[gi], levels[bi])
        let grey = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let greyStep = max(0, min(23, (grey - 8 + 5) / 10))
        let greyValue = 8 + 10 * greyStep
        func dist(_ a: (Int, Int, Int)) -> Int {
            let dr = a.0 - Int(c.r), dg = a.1 - Int(c.g), db = a.2 - Int(c.b)
            return dr * dr + dg * dg + db * db
        }
        return dist((greyValue, greyValue, greyValue)) < dist(cube) ? UInt8(232 + greyStep) : UInt8(cubeIndex)
    }
}
