import Foundation
import MaskFuzzHarness
import Testing

/// Replays, through the fuzz targets' own harness (Tests/Fuzz/Harness), every input a fuzzer
/// found a crash with (Tests/Fuzz/Regressions/<target>/, each fixed since) and every committed
/// seed (Tests/Fuzz/Corpus/<target>/): each must run to its end (errors are fine; a trap would
/// stop the test process). Runs without sanitizers, as the normal suite does.
struct FuzzRegressionTests {
    static let fuzzRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// The files of `Tests/Fuzz/<folder>/<target>`, sorted by name.
    static func inputs(_ folder: String, _ target: String) -> [URL] {
        let dir = fuzzRoot.appendingPathComponent(folder).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func replay(_ target: String, _ run: (UnsafeRawBufferPointer) -> Void) throws -> Int {
        var count = 0
        for folder in ["Regressions", "Corpus"] {
            for url in inputs(folder, target) {
                let data = try Data(contentsOf: url)
                data.withUnsafeBytes { run($0) }
                count += 1
            }
        }
        return count
    }

    @Test func sqlInputsRunToTheirEnd() throws {
        #expect(try Self.replay("sql", SQLHarness.run) >= 10)
    }

    @Test func npyInputsRunToTheirEnd() throws {
        #expect(try Self.replay("npy", NpyHarness.run) >= 3)
    }

    @Test func imageInputsRunToTheirEnd() throws {
        #expect(try Self.replay("image", ImageHarness.run) >= 3)
    }

    @Test func databaseInputsRunToTheirEnd() throws {
        #expect(try Self.replay("database", DatabaseHarness.run) >= 9)
    }
}
