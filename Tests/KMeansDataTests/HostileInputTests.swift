import Foundation
import KMeansCore
import Testing
@testable import KMeansData

/// Seeded mutations of valid files: every outcome must be a matrix or a `DataError`, never a crash, a hang or
/// another error type, and never a matrix with a non-finite value.
@Suite("Hostile input")
struct HostileInputTests {
    /// Flips, inserts, deletes and duplicates bytes, biased toward the characters parsers care about.
    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var out = bytes
        let interesting: [UInt8] = Array(",;\t \"\r\n#.-+eE0123456789nNaAiI".utf8) + [0x00, 0xEF, 0xBB, 0xBF, 0xFF, 0x93, 0x7B, 0x7D, 0x27, 0x28, 0x29]
        for _ in 0..<Int.random(in: 1...6, using: &generator) {
            let position = out.isEmpty ? 0 : Int.random(in: 0..<out.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0 where !out.isEmpty: out[position] = interesting.randomElement(using: &generator)!
            case 1: out.insert(interesting.randomElement(using: &generator)!, at: position)
            case 2 where !out.isEmpty: out.remove(at: position)
            case 3 where !out.isEmpty: out[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
            case 4: out = Array(out.prefix(position))
            default: break
            }
        }
        return out
    }

    /// Reads `bytes` every way a caller can; returns the number of bytes tried.
    static func exercise(_ bytes: [UInt8], in dir: TemporaryDirectory, name: String) throws -> Int {
        let path = try dir.file(name, bytes: bytes)
        for options in [DataReadOptions(), DataReadOptions(skipInvalid: true), DataReadOptions(format: .npy),
                        DataReadOptions(delimiter: .whitespace, header: .absent)] {
            do {
                let data = try DataLoader.load(path: path, options: options)
                #expect(data.matrix.values.allSatisfy { $0.isFinite }, "non-finite value accepted from \(bytes)")
                #expect(data.matrix.rows > 0 && data.matrix.columns > 0)
            } catch is DataError {
                // The expected way to fail.
            } catch {
                Issue.record("unexpected error \(error) for bytes \(bytes)")
            }
            do {
                let reader = try DataReader(path: path, options: options)
                var batches = BatchIterator(reader: reader, batchSize: 3, cycles: false)
                while try batches.next() != nil {}
            } catch is DataError {
            } catch {
                Issue.record("unexpected error \(error) for bytes \(bytes)")
            }
        }
        return bytes.count
    }

    @Test("mutated CSV files fail only with DataError")
    func mutatedCSV() throws {
        let dir = try TemporaryDirectory()
        let seeds = [
            "a,b,c\n1,2,3\n4.5,-6e2,7\n",
            "\u{FEFF}# comment\r\n\"x\",\"y\"\r\n1,2\r\n\"3\",4\r\n",
            "1\t2\n3\t4\n",
            "1;2\n3;4\n",
            "  1  2\n 3 4 \n",
        ]
        var generator = SplitMix64(seed: 42)
        var bytesTried = 0
        for seed in seeds {
            for _ in 0..<300 {
                bytesTried += try Self.exercise(Self.mutate(Array(seed.utf8), using: &generator), in: dir, name: "m.csv")
            }
        }
        #expect(bytesTried > 10_000)
    }

    @Test("mutated .npy files fail only with DataError and never allocate what the file cannot hold")
    func mutatedNPY() throws {
        let dir = try TemporaryDirectory()
        let seeds = [
            NPYWriter.encode(Matrix([[1, 2], [3, 4], [5, 6]])),
            npyBytes(descr: ">i2", fortran: true, shape: "(2, 3)", data: rawBytes([Int16(1), 2, 3, 4, 5, 6], bigEndian: true)),
            npyBytes(version: 2, descr: "<f8", shape: "(2,)", data: rawBytes([Double(1).bitPattern, Double(2).bitPattern])),
        ]
        var generator = SplitMix64(seed: 7)
        var bytesTried = 0
        for seed in seeds {
            for _ in 0..<300 {
                bytesTried += try Self.exercise(Self.mutate(seed, using: &generator), in: dir, name: "m.npy")
            }
        }
        #expect(bytesTried > 50_000)
    }

    @Test("headers claiming enormous shapes are refused before any allocation")
    func enormousShapes() throws {
        let dir = try TemporaryDirectory()
        for shape in ["(4611686018427387904, 4)", "(99999999999, 99999999999)", "(1, 2305843009213693952)", "(18446744073709551616,)"] {
            let path = try dir.file("huge.npy", bytes: npyBytes(descr: "<f8", shape: shape, data: [0, 0, 0, 0, 0, 0, 0, 0]))
            let error = try #require(loadError(path))
            #expect(error.kind == .sizeMismatch || error.kind == .badHeader, "\(shape): \(error)")
        }
    }
}
