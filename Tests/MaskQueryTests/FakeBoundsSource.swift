import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport

/// A stand-in for the index: wraps the exact CP (computed here from the stored codes) and widens
/// it by a pseudo-random slack; sometimes returns nil (no entry), sometimes the exact value.
/// Deterministic in (seed, row, box, codes). Counts `observe` calls, first ones as "new".
final class FakeBoundsSource: CPBoundsSource, IndexObserver, @unchecked Sendable {
    let table: InMemoryMaskTable
    let seed: UInt64
    let nilRate: UInt64
    let exactRate: UInt64
    private let lock = NSLock()
    private var observed = Set<Int>()
    private(set) var observeCalls = 0
    var indexedCount: Int { lock.lock(); defer { lock.unlock() }; return observed.count }

    init(table: InMemoryMaskTable, seed: UInt64, nilPercent: UInt64 = 15, exactPercent: UInt64 = 15) {
        self.table = table
        self.seed = seed
        self.nilRate = nilPercent
        self.exactRate = exactPercent
    }

    static func exactCount(_ table: InMemoryMaskTable, row: Int, box: PixelBox, codes: CodeInterval) -> Int {
        let bpp = table.pixelFormat.bytesPerPixel
        let px = table.pixels[row]
        var n = 0
        for y in box.y0..<box.y1 {
            for x in box.x0..<box.x1 {
                let o = (y * table.width + x) * bpp
                var c: UInt32 = 0
                for b in 0..<bpp { c |= UInt32(px[o + b]) << (8 * b) }
                if codes.contains(c) { n += 1 }
            }
        }
        return n
    }

    func bounds(row: Int, box: PixelBox, codes: CodeInterval) -> ClosedRange<Int>? {
        var g = SplitMix64(seed: seed ^ SplitMix64.hash([row, box.x0, box.y0, box.x1, box.y1, Int(codes.lo), Int(codes.hi)]))
        let roll = g.next() % 100
        if roll < nilRate { return nil }
        let exact = Self.exactCount(table, row: row, box: box, codes: codes)
        if roll < nilRate + exactRate { return exact...exact }
        let scale = max(1, box.area / 4)
        let down = Int(g.next() % UInt64(scale + 1))
        let up = Int(g.next() % UInt64(scale + 1))
        return max(0, exact - down)...(exact + up)
    }

    /// Tighter bounds for the executor's refinement step: the first bounds' slack halved (a
    /// quarter of the rows exact, a tenth without an entry), so that refinement decides some
    /// masks and leaves others to be read.
    func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        var lower = [Int32](repeating: -1, count: rows.count), upper = [Int32](repeating: 0, count: rows.count)
        for (i, row) in rows.enumerated() {
            let box = boxes[i]
            var g = SplitMix64(seed: seed ^ 0x5EED ^ SplitMix64.hash([row, box.x0, box.y0, box.x1, box.y1, Int(codes.lo), Int(codes.hi)]))
            let roll = g.next() % 100
            if roll < 10 { continue }
            let exact = Self.exactCount(table, row: row, box: box, codes: codes)
            // Like the index: no refined bounds where there are no first bounds.
            guard let first = bounds(row: row, box: box, codes: codes) else { continue }
            if roll < 35 {
                (lower[i], upper[i]) = (Int32(exact), Int32(exact))
            } else {
                lower[i] = Int32(exact - (exact - first.lowerBound) / 2)
                upper[i] = Int32(exact + (first.upperBound - exact) / 2)
            }
        }
        return (lower, upper)
    }

    /// Like the index: a mask observed once is indexed and need not be read whole again.
    func wantsWholeMask(row: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !observed.contains(row)
    }

    func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool {
        precondition(pixels.count == table.height * table.width * table.pixelFormat.bytesPerPixel)
        precondition(Array(pixels) == table.pixels[row], "observe got the wrong pixels")
        lock.lock()
        defer { lock.unlock() }
        observeCalls += 1
        return observed.insert(row).inserted
    }
}
