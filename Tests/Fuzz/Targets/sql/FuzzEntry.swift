import MaskFuzzHarness

/// libFuzzer's entry point for `fuzz-sql`: one input through `SQLHarness.run` (Tests/Fuzz/Harness).
/// Returns 0 always (libFuzzer's convention: the input may be added to the corpus).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    SQLHarness.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
