// A libFuzzer target over the reader and the inspection behind it: whatever bytes arrive, `FileReader.read`
// and `Inspector.inspect` must end in a report, never trap, overrun memory (ASan) or hang. Built by
// `scripts/fuzz-reader` (`-sanitize=fuzzer,address -DROLLOVER_FUZZING`, scratch path `.build-fuzz`); an ordinary
// build makes an executable that only says how to run it.
//
// Input: the first byte picks the password (the passwords of the shared corpus, see `passwords`), the rest is
// the file. `scripts/fuzz-reader` writes the seeds with that byte in front.

import Dispatch
import RolloverPKI

#if canImport(Glibc)
import Glibc
#endif

/// What the fuzzer's bytes are read with. Static members rather than top-level globals, which Swift 6 isolates
/// to the main actor in `main.swift`.
enum FuzzSettings {
    /// The shared corpus' passwords by how often its MANIFEST names them; index 0 is "no password given".
    static let passwords: [String?] = [
        nil, "password", "1234", "", "123456", "foo", "hunter42", "cryptography", "mypass", "hunter2", "baz", "test123",
        "foobar", "Hello, 世界", "rHyQTJsubhfxcpH5JttyilHE6BBsNoZp", "realpassword", "cassandra", "a123456", "PolarSSLTest",
        "Red Hat Enterprise Linux 7.4",
    ]

    /// Smaller than the server's so each run stays in milliseconds; reaching a bound is a path the fuzzer should find.
    static let limits = ReadingLimits(
        maximumPEMBlocksPerFile: 64, maximumPKCS12SafesPerFile: 16, maximumPKCS12BagsPerFile: 64, maximumCertificates: 64,
        decryption: DecryptionBudget(iterations: 200_000, scryptWork: 1 << 15, scryptMemoryBytes: 4 << 20))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func readerFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let password = FuzzSettings.passwords[Int(data[0]) % FuzzSettings.passwords.count].map { Password($0) }
    let file = InputFile(name: "fuzz", bytes: Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
    let contents = FileReader.read([file], password: password, limits: FuzzSettings.limits)
    // The inspection is async; the fuzzer's callback is not. Wait for it on a semaphore: the task runs on the
    // global executor, never on this thread.
    let done = DispatchSemaphore(value: 0)
    Task {
        _ = await Inspector.inspect(contents, options: InspectionOptions())
        done.signal()
    }
    done.wait()
    return 0
}

#if ROLLOVER_FUZZING
/// libFuzzer's entry point (`int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`).
/// SwiftPM renames this file's `main` for executables, so libFuzzer's own `main` never runs; the driver is called
/// from here instead. Its arguments are pointers and an integer, passed alike by the Swift and C conventions.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, { data, size in readerFuzzTarget(data, size) }))
#else
print("rollover-fuzz-reader is a libFuzzer target: run scripts/fuzz-reader")
exit(2)
#endif
