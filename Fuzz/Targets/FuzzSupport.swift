// Shared by every fuzz target: hands the fuzzer's bytes to readers that take a path.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory for this fuzzing process (under $TMPDIR, removed by the fuzz script).
let fuzzScratch: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    let path = "\(base)/kmeans-fuzz-\(getpid())"
    mkdir(path, 0o700)
    return path
}()

/// Writes `bytes` to `name` in the scratch directory (replacing it) and returns the path.
func writeScratch(_ name: String, _ bytes: UnsafeRawBufferPointer) -> String {
    let path = "\(fuzzScratch)/\(name)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write the fuzz scratch file \(path)")
    var done = 0
    while done < bytes.count {
        let written = write(fd, bytes.baseAddress! + done, bytes.count - done)
        precondition(written > 0, "short write to \(path)")
        done += written
    }
    close(fd)
    return path
}

/// Bytes and inputs handed to the reader so far; printed when the fuzzer exits (single-threaded by libFuzzer).
nonisolated(unsafe) var bytesFed = 0
nonisolated(unsafe) var inputsFed = 0
nonisolated(unsafe) var reportRegistered = false

/// The fuzzer's input as a buffer (an empty input has no base address); counts what was fed.
func inputBuffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    if !reportRegistered {
        reportRegistered = true
        atexit {
            let line = "kmeans-fuzz: fed \(inputsFed) inputs, \(bytesFed) bytes\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
    }
    bytesFed += size
    inputsFed += 1
    guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: data, count: size)
}

/// Puts `bytes` behind standard input as a pipe (at most 64 KiB, the pipe's buffer, so no writer thread is
/// needed); returns false when the input is too large for that.
func pipeIntoStandardInput(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count <= 65536 else { return false }
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return false }
    _ = fcntl(ends[1], 1031 /* F_SETPIPE_SZ */, 65536)
    var done = 0
    while done < bytes.count {
        let written = write(ends[1], bytes.baseAddress! + done, bytes.count - done)
        if written <= 0 { break }
        done += written
    }
    close(ends[1])
    dup2(ends[0], 0)
    close(ends[0])
    return done == bytes.count
}
