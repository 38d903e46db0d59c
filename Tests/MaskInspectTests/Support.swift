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

/// Flips each byte of `segment` in turn (xor 0x01), in a copy: the dumper must report the
/// change (or warn about padding, which no checksum covers), and a reader that opens the copy
/// must never return other metadata or pixels than the fixture's (`V1Fixture`: every committed
/// segment fixture holds the same masks). `also` checks more on each reader that opened.
func expectEveryByteFlipNoticed(_ segment: String, also: (SegmentReader, Int) throws -> Void = { _, _ in },
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
    let original = Fixtures.bytes(segment)
    let dir = Fixtures.temporaryDirectory()
    defer { Fixtures.cleanup(dir) }
    for offset in 0..<original.count {
        let path = Fixtures.damagedCopy(of: segment, at: offset, xor: 0x01, into: dir, name: "seg-\(offset).mss")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (text, n) = try dump(path)
        #expect(n > 0 || text.contains("warning: padding:"), "byte \(offset) changed unnoticed", sourceLocation: sourceLocation)
        guard let reader = try? SegmentReader(path: path) else { continue }
        try also(reader, offset)
        if let columns = try? reader.decodedColumns() {
            #expect(columns == V1Fixture.columns, "byte \(offset): wrong metadata returned", sourceLocation: sourceLocation)
        }
        for mask in 0..<2 {
            var buffer = [UInt8](repeating: 0, count: 4 * 32)
            if (try? buffer.withUnsafeMutableBytes({ try reader.readRows(mask: mask, rows: 0..<4, into: $0) })) != nil {
                #expect(buffer == V1Fixture.pixels[mask], "byte \(offset): wrong pixels returned", sourceLocation: sourceLocation)
            }
        }
    }
}
