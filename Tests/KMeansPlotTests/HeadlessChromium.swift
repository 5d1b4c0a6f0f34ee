import Foundation

/// Headless Chromium rendering an SVG file to PNG, and a small PNG reader (python3's zlib) for the pixels.
enum HeadlessChromium {
    /// The chromium executable on PATH, if any.
    static var executable: String? {
        for name in ["chromium", "chromium-browser"] {
            for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Whether the environment variable `CI` is set (to anything but empty, `0` or `false`): there a missing
    /// chromium is a failure, since `Scripts/setup` installs it.
    static var requiredByCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(value)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Renders `svg` at `width × height` CSS pixels (device scale 1) and returns its pixels.
    static func render(svg: String, width: Int, height: Int) throws -> RGBImage {
        guard let chromium = executable else { throw Failure(description: "chromium is not on PATH (Scripts/setup installs it)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let svgURL = directory.appendingPathComponent("picture.svg"), pngURL = directory.appendingPathComponent("picture.png")
        try Data(svg.utf8).write(to: svgURL)
        try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                           "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
                           "--window-size=\(width),\(height)", "--screenshot=\(pngURL.path)", svgURL.absoluteString])
        guard FileManager.default.fileExists(atPath: pngURL.path) else { throw Failure(description: "chromium wrote no screenshot") }
        let rawURL = directory.appendingPathComponent("picture.rgb")
        let size = try run("/usr/bin/env", ["python3", "-c", pngReader, pngURL.path, rawURL.path]).split(separator: " ").compactMap { Int($0) }
        guard size.count == 2 else { throw Failure(description: "the PNG reader printed no size") }
        return RGBImage(width: size[0], height: size[1], bytes: [UInt8](try Data(contentsOf: rawURL)))
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A hung browser must fail the test, not stall the suite: at most 90 seconds (stdout is a few bytes).
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Failure(description: "\(executable) \(arguments.first ?? "") did not finish within 90 seconds")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(executable) \(arguments.first ?? "") exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) to raw RGB bytes; prints "W H".
    static let pngReader = """
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
        pos, idat = 8, b''
        while pos < len(data):
            length, kind = struct.unpack('>I', data[pos:pos + 4])[0], data[pos + 4:pos + 8]
            body = data[pos + 8:pos + 8 + length]
            pos += 12 + length
            if kind == b'IHDR':
                w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            elif kind == b'IDAT':
                idat += body
        assert depth == 8 and ctype in (2, 6) and interlace == 0, 'unsupported PNG'
        bpp = 3 if ctype == 2 else 4
        raw, stride, out, i = zlib.decompress(idat), w * bpp, bytearray(), 0
        prev = bytearray(stride)
        for y in range(h):
            f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
            i += 1 + stride
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            for x in range(w):
                out += line[x * bpp:x * bpp + 3]
            prev = line
        open(sys.argv[2], 'wb').write(out)
        print(w, h)
        """
}

/// Decoded pixels, row-major RGB.
struct RGBImage {
    let width: Int, height: Int
    let bytes: [UInt8]

    func pixel(_ x: Int, _ y: Int) -> (r: Int, g: Int, b: Int) {
        let i = (y * width + x) * 3
        return (Int(bytes[i]), Int(bytes[i + 1]), Int(bytes[i + 2]))
    }
}
