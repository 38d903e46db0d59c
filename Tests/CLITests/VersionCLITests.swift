import Testing

/// `masksearch --version`: the process-start baseline of the open-cost benchmark
/// (Benchmarks/bench.py part open).
@Suite struct VersionCLITests {
    @Test func printsTheVersionAndExitsZero() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("masksearch "), "\(r.stdout)")
    }
}
