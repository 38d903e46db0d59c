import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import Testing

/// Fixtures (Tests/MaskInspectTests/Fixtures, copied into the test bundle):
/// - `tiny.npy`, `tiny-meta.csv`, `tiny-rois.csv`: the inputs;
/// - `tinydb/`: the database made from them by `FixtureMakerTests` (band rows 2) — a
///   committed version-1 file set: never regenerate it for a format change, add a new one;
/// - `*.golden.txt`: the dumper's expected output.
///
/// To regenerate the golden files after an intended change of the dump output:
///     MASKINSPECT_REGENERATE_GOLDEN=1 swift test --scratch-path .build-inspect --filter MaskInspectTests
/// then review `git diff Tests/MaskInspectTests/Fixtures`.
enum Fixtures {
    static var directory: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path
    }
    /// The source-tree folder (for regeneration).
    static var sourceDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }
    static var segment: String { directory + "/tinydb/seg-000001.mss" }
    static var manifest: String { directory + "/tinydb/MANIFEST" }
    static var roi: String { directory + "/tinydb/roi-000002.msr" }

    static var regenerateGolden: Bool { ProcessInfo.processInfo.environment["MASKINSPECT_REGENERATE_GOLDEN"] == "1" }

    static func bytes(_ path: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path) ?? Data())
    }

    /// A fresh temporary directory, removed by the caller with `cleanup`.
    static func temporaryDirectory() -> String {
        let dir = NSTemporaryDirectory() + "maskinspect-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func cleanup(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    /// A copy of `source` with byte `offset` XOR-ed with `mask`, written to `dir/name`.
    static func damagedCopy(of source: String, at offset: Int, xor mask: UInt8 = 0x5a, into dir: String, name: String) -> String {
        var b = bytes(source)
        b[offset] ^= mask
        let path = dir + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(b))
        return path
    }
}

/// A String as a TextOutputStream target.
struct Capture: TextOutputStream {
    var text = ""
    mutating func write(_ s: String) { text += s }
}

/// The dump of `path` with `options`, and its corruption count.
func dump(_ path: String, _ options: DumpOptions = DumpOptions()) throws -> (text: String, corruptions: Int) {
    let d = try FileDump.open(path: path)
    var c = Capture()
    let n = d.write(options, to: &c)
    return (c.text, n)
}

/// Compares `text` to the golden file `name`, or rewrites it when regenerating.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if Fixtures.regenerateGolden {
        FileManager.default.createFile(atPath: Fixtures.sourceDirectory + "/" + name, contents: Data(text.utf8))
        return
    }
    let golden = String(decoding: Fixtures.bytes(Fixtures.directory + "/" + name), as: UTF8.self)
    #expect(text == golden, "dump differs from \(name); regenerate with MASKINSPECT_REGENERATE_GOLDEN=1 if intended", sourceLocation: sourceLocation)
}
