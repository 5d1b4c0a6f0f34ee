import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// A failure the CLI reports itself: a usage mistake (exit 2), or a parameter, data or model problem (exit 1).
struct CLIError: Error, CustomStringConvertible {
    /// How the process ends.
    enum Kind {
        /// A command line that cannot be parsed or is incomplete (a required option missing): exit 2.
        case usage
        /// A parameter value no model accepts, or one that conflicts with the model directory (TF's ValueError): exit 1.
        case parameter
        /// A data file, model directory or checkpoint problem: exit 1.
        case data
    }

    var kind: Kind
    var message: String

    static func usage(_ message: String) -> CLIError { CLIError(kind: .usage, message: message) }
    static func data(_ message: String) -> CLIError { CLIError(kind: .data, message: message) }
    static func parameter(_ message: String) -> CLIError { CLIError(kind: .parameter, message: message) }

    /// Runs `body`, passing its data errors on as they read but without the --skip-invalid hint: for files that
    /// flag does not apply to.
    static func withoutSkipHint<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DataError { throw CLIError.data(error.description) }
    }

    var description: String { message }
    var exitCode: Int32 { kind == .usage ? 2 : 1 }
}

/// Ends training early on SIGINT/SIGTERM (after the checkpoint is saved): exit 128 + signal.
struct InterruptedExit: Error {
    var signal: Int32
    var globalStep: Int64
}

/// Maps any error to the one line printed on standard error and the process exit code; nil for errors that
/// swift-argument-parser reports itself (help, parse errors).
func describeFailure(_ error: any Error) -> (message: String, code: Int32)? {
    switch error {
    case let error as CLIError:
        return (error.message, error.exitCode)
    case let error as DataError:
        // Files read without --skip-invalid (initial centres, the workbench's data) rethrow as `.data(description)`.
        return (error.description + (error.isSkippableRow ? "; --skip-invalid skips such rows" : ""), 1)
    case let error as TFFormatError:
        return (error.description, 1)
    case let error as KMeansError:
        return (error.description, 1)
    case let error as ModelDirError:
        return (error.message, 1)
    case let error as CheckpointStoreError:
        return (error.description, 1)
    case let error as InterruptedExit:
        return ("interrupted: stopped at global step \(error.globalStep) after saving a checkpoint", 128 + error.signal)
    default:
        if error is ValidationError || error is CleanExit || error is ExitCode { return nil }
        let text = String(describing: error)
        if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { return nil }
        return (text, 1)
    }
}

/// Standard error, unbuffered.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal (progress lines are drawn only then).
    static var isTerminal: Bool { isatty(2) != 0 }
}

/// Standard output, buffered in one string per command and written at once (or line by line for streams).
enum StandardOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Bytes for standard output, built without intermediate strings (per-row output of large files) and written
/// in large blocks.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 20) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A float in Swift's shortest round-trip form (`null` for NaN and infinities in JSON).
    mutating func append(_ value: Float, nonFinite: StaticString = "null") {
        if value.isFinite {
            var text = value.description
            text.withUTF8 { bytes.append(contentsOf: $0) }
        } else {
            append(nonFinite)
        }
    }

    mutating func append(_ value: Int64) {
        var text = String(value)
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Floats separated by `separator`.
    mutating func append(_ values: ArraySlice<Float>, separator: StaticString) {
        var first = true
        for value in values {
            if !first { append(separator) }
            first = false
            append(value)
        }
    }

    /// Writes what is buffered to standard output and empties the buffer.
    mutating func flush() {
        guard !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}
