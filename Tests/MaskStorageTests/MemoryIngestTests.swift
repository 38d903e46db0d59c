import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// Ingest from memory (`IngestSource.buffer`), from an `.npy` stream (a pipe), metadata and
/// ROI boxes as CSV text, and `rowSelection`.
@Suite struct MemoryIngestTests {
    /// A (N, H, W) little-endian `.npy` file's bytes (format 1.0) for `descr` and the data.
    static func npyBytes(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        let n = dict.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(dict.utf8) + data
    }

    static func stack(_ n: Int, _ pixels: Int) -> [UInt8] { (0..<(n * pixels)).map { UInt8(($0 * 13) % 256) } }

    @Test func bufferIngestReadsInPlaceInChunks() throws {
        let t = TempDirectory()
        let data = Self.stack(10, 12)
        var options = Ingester.Options()
        options.chunkMasks = 3
        let s = try data.withUnsafeBytes { raw in
            try Ingester.ingest(into: t.db, sources: [.buffer(MaskBuffer(base: raw.baseAddress!, count: 10, height: 3, width: 4, elementType: .uint8))],
                                options: options)
        }
        #expect(s.masks == 10)
        let db = try Database(path: t.db)
        for row in 0..<10 { #expect(try codes(db, row: row) == Array(data[(row * 12)..<((row + 1) * 12)])) }
    }

    @Test func badBufferNamesTheMaskAndPixelAndChangesNothing() throws {
        let t = TempDirectory()
        var values = [Float](repeating: 0.5, count: 4 * 6)
        _ = try values.withUnsafeBytes { raw in
            try Ingester.ingest(into: t.db, sources: [.buffer(MaskBuffer(base: raw.baseAddress!, count: 4, height: 2, width: 3, elementType: .float32))],
                                options: .init())
        }
        let before = snapshot(t.db)
        values[3 * 6 + 1 * 3 + 2] = 1.5
        #expect {
            try values.withUnsafeBytes { raw in
                try Ingester.ingest(into: t.db, sources: [.buffer(MaskBuffer(base: raw.baseAddress!, count: 4, height: 2, width: 3, elementType: .float32))],
                                    options: .init())
            }
        } throws: { error in
            "\(error)".contains("error: array: mask 3, pixel (row 1, col 2): value 1.5 is outside [0, 1]")
        }
        #expect(snapshot(t.db) == before)
    }

    @Test func rowSelectionKeepsMasksAndMetadataRowsAlike() throws {
        let t = TempDirectory()
        let data = Self.stack(7, 6)
        var options = Ingester.Options()
        options.chunkMasks = 2
        options.rowSelection = [1, 2, 5, 6]
        options.meta = .text("mask_id,score\n100,0.0\n101,0.1\n102,0.2\n103,0.3\n104,0.4\n105,0.5\n106,0.6\n", name: "meta")
        let s = try data.withUnsafeBytes { raw in
            try Ingester.ingest(into: t.db, sources: [.buffer(MaskBuffer(base: raw.baseAddress!, count: 4, height: 2, width: 3, elementType: .uint8)),
                                                      .buffer(MaskBuffer(base: raw.baseAddress! + 24, count: 3, height: 2, width: 3, elementType: .uint8))],
                                options: options)
        }
        #expect(s.masks == 4)
        let db = try Database(path: t.db)
        #expect(db.builtinColumn(0) == [101, 102, 105, 106])
        #expect((0..<4).map { db.value(row: $0, column: 4) } == [.double(0.1), .double(0.2), .double(0.5), .double(0.6)])
        for (row, input) in [1, 2, 5, 6].enumerated() {
            #expect(try codes(db, row: row) == Array(data[(input * 6)..<((input + 1) * 6)]))
        }
        for bad in [[], [3, 3], [2, 1], [7], [-1]] {
            options.rowSelection = bad
            #expect(throws: StorageError.self) {
                try data.withUnsafeBytes { raw in
                    try Ingester.ingest(into: t.db, sources: [.buffer(MaskBuffer(base: raw.baseAddress!, count: 7, height: 2, width: 3, elementType: .uint8))],
                                        options: options)
                }
            }
        }
    }

    @Test func streamIngestReadsAPipe() throws {
        let t = TempDirectory()
        var values = [UInt8]()
        let floats = (0..<(300 * 64)).map { Float(($0 * 7) % 100) / 100 }
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { values += $0 } }
        let bytes = Self.npyBytes(descr: "<f4", shape: [300, 8, 8], data: values)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writeEnd = fds[1]
        let writer = Thread {
            bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(writeEnd, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { break }
                    off += n
                }
            }
            close(writeEnd)
        }
        writer.start()
        var options = Ingester.Options()
        options.chunkMasks = 7
        let s = try Ingester.ingest(into: t.db, sources: [.stream(fd: fds[0], name: "pipe")], options: options)
        close(fds[0])
        #expect(s.masks == 300)
        let db = try Database(path: t.db)
        #expect(db.pixelFormat == .float32)
        var out = [Float](repeating: 0, count: 64)
        var scratch = [UInt8](repeating: 0, count: 256)
        try out.withUnsafeMutableBufferPointer { o in
            try scratch.withUnsafeMutableBytes { try db.readValues(row: 299, into: o, scratch: $0) }
        }
        #expect(out == Array(floats[(299 * 64)...]))
    }

    @Test func truncatedStreamIsBadInput() throws {
        let t = TempDirectory()
        let bytes = Self.npyBytes(descr: "|u1", shape: [3, 4, 4], data: [UInt8](repeating: 1, count: 40))
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect {
            try Ingester.ingest(into: t.db, sources: [.stream(fd: fds[0], name: "pipe")], options: .init())
        } throws: { error in
            "\(error)".contains("pipe: mask 2") && "\(error)".contains("truncated")
        }
        #expect(!FileManager.default.fileExists(atPath: t.db))
    }

    @Test func roiBoxesFromText() throws {
        let t = TempDirectory()
        let data = Self.stack(2, 16)
        _ = try data.withUnsafeBytes { raw in
            try Ingester.ingest(into: t.db, sources: [.buffer(MaskBuffer(base: raw.baseAddress!, count: 2, height: 4, width: 4, elementType: .uint8))],
                                options: .init())
        }
        let s = try ROISetLoader.load(into: t.db, name: "object", csvText: "mask_id,x0,y0,x1,y1\n0,0,0,2,2\n1,0.5,0,3.2,4\n")
        #expect(s.boxes == 2 && s.key == .maskID)
        let db = try Database(path: t.db)
        #expect(db.roiSet(named: "object")?.box(maskID: 1, imageID: 1) == PixelBox(x0: 0, y0: 0, x1: 4, y1: 4))
        #expect {
            try ROISetLoader.load(into: t.db, name: "object", csvText: "mask_id,x0,y0,x1,y1\n0,0,0,2\n")
        } throws: { error in
            "\(error)" == "error: boxes: line 2: 4 cells, the header has 5"
        }
    }
}
