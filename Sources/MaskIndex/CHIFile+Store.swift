import CMaskKernels
import MaskFormat
import MaskStorage

/// Storing entries into the key columns of a writable index file (Format/index.md, layout).
extension CHIFile {
    /// Runs of at least this many consecutive masks are stored column by column
    /// (`storeColumnRun`); shorter runs key tile by key tile.
    public static let columnRunMinimum = 32

    /// Stores the entries and checksums of `masks` (ascending, distinct), given mask-major at
    /// the entry width (`entries[i]` = `keyCount` little-endian values of `masks[i]`), through
    /// the mapping. Not visible until `publish`.
    ///
    /// Each run of `columnRunMinimum` or more consecutive masks occupies one contiguous range
    /// of every key column: it is transposed into them in SSE2 blocks (`storeColumnRun`). Masks in shorter runs (a top-k's scattered
    /// candidates) are stored in tiles of 16 keys, mask by mask, each tile writing its 16
    /// columns in one ascending sweep. Into a fresh file each page's first store takes a page
    /// fault; a writer about to fill most of the file populates it first (`populateForWriting`).
    /// `parallel`: the key columns are split between the cores — for a caller not itself
    /// spread over them (the incremental flush).
    /// - Complexity: O(masks × keys) entry moves.
    public func store(masks: [Int], entries values: UnsafeRawBufferPointer, parallel: Bool = false) {
        let keys = grid.keyCount, width = header.entryWidth, rowBytes = keys * width
        precondition(values.count >= masks.count * rowBytes, "entries for \(masks.count) masks")
        guard let src = values.baseAddress, !masks.isEmpty else { return }
        let out = file.mutableBytes.baseAddress!
        let checksums = out + header.checksumsOffset
        for (i, m) in masks.enumerated() {
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: src + i * rowBytes, count: rowBytes))
            checksums.storeBytes(of: crc.littleEndian, toByteOffset: m * 4, as: UInt32.self)
        }
        let (runs, scattered) = CHIFile.splitRuns(masks)
        let tiles = (keys + 15) / 16, stride = self.stride
        let srcAddress = UInt(bitPattern: src), baseAddress = UInt(bitPattern: out + header.entriesOffset)
        Parallel.forEachChunk(count: tiles, minimumChunk: parallel && masks.count >= 256 ? 8 : tiles) { tileRange in
            let src = UnsafeRawPointer(bitPattern: srcAddress)!, base = UnsafeMutableRawPointer(bitPattern: baseAddress)!
            let keyRange = (tileRange.lowerBound * 16)..<min(keys, tileRange.upperBound * 16)
            for run in runs {
                storeColumnRun(rows: src + run.lowerBound * rowBytes, count: run.count, keys: keyRange, into: base + masks[run.lowerBound] * width)
            }
            for tile in tileRange where !scattered.isEmpty {
                let k0 = tile * 16, k1 = min(k0 + 16, keys)
                for i in scattered {
                    let row = src + i * rowBytes, dst = base + masks[i] * width
                    if width == 2 {
                        for k in k0..<k1 {
                            (dst + k * stride).storeBytes(of: row.loadUnaligned(fromByteOffset: k * 2, as: UInt16.self), as: UInt16.self)
                        }
                    } else {
                        for k in k0..<k1 {
                            (dst + k * stride).storeBytes(of: row.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self), as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    /// Column `k` at `out + k * stride` gets entry `k` of rows `0..<count` (mask-major,
    /// `rowBytes` apart), for `k` in `keys` (`cmk_transpose_u16/u32`: SSE2 blocks in tiles of
    /// 32 rows by 256 keys).
    private func storeColumnRun(rows: UnsafeRawPointer, count n: Int, keys: Range<Int>, into out: UnsafeMutableRawPointer) {
        let width = header.entryWidth, rowBytes = grid.keyCount * width
        let src = rows + keys.lowerBound * width, dst = out + keys.lowerBound * stride
        if width == 2 {
            cmk_transpose_u16(src.assumingMemoryBound(to: UInt16.self), rowBytes / 2, n, keys.count,
                              dst.assumingMemoryBound(to: UInt16.self), stride / 2)
        } else {
            cmk_transpose_u32(src.assumingMemoryBound(to: UInt32.self), rowBytes / 4, n, keys.count,
                              dst.assumingMemoryBound(to: UInt32.self), stride / 4)
        }
    }

    /// Maps the checksums of masks `masks` and, in every key column, the entries of `masks`
    /// writable at once, every page (`MappedFile.populateForWriting`), in 16 MB pieces split
    /// between the cores: for a build about to store most of these masks, instead of a page
    /// fault per page. A hint (no effect where the system lacks the call).
    public func populateForWriting(masks: Range<Int>) {
        let pieces = byteRanges(masks: masks, piece: 16 << 20)
        Parallel.forEachChunk(count: pieces.count) { chunk in
            for r in pieces[chunk] { file.populateForWriting(offset: r.lowerBound, length: r.count) }
        }
    }

    /// Drops this process's mappings of the pages `populateForWriting(masks:)` covers
    /// (`MappedFile.releasePages`): stores already made stay in the page cache and reach the
    /// file as usual; the process's resident set shrinks. Used by a build between windows of
    /// masks, so that building a 10 GB index does not map 10 GB.
    public func releasePages(masks: Range<Int>) {
        for r in byteRanges(masks: masks, piece: 1 << 30) { file.releasePages(offset: r.lowerBound, length: r.count) }
    }

    /// The file bytes of masks `masks`: their checksums, then their entries in each key column
    /// (one range per column, merged where they touch: a range of every mask is one run),
    /// cut into pieces of at most `piece` bytes. - Complexity: O(keys + bytes / piece).
    func byteRanges(masks: Range<Int>, piece: Int) -> [Range<Int>] {
        guard !masks.isEmpty else { return [] }
        let width = header.entryWidth
        var ranges = [(header.checksumsOffset + masks.lowerBound * 4)..<(header.checksumsOffset + masks.upperBound * 4)]
        for key in 0..<grid.keyCount {
            let column = header.entriesOffset + key * stride
            let r = (column + masks.lowerBound * width)..<(column + masks.upperBound * width)
            if key > 0, let last = ranges.last, last.upperBound == r.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<r.upperBound
            } else {
                ranges.append(r)
            }
        }
        return ranges.flatMap { r in Swift.stride(from: r.lowerBound, to: r.upperBound, by: piece).map { $0..<min($0 + piece, r.upperBound) } }
    }
}

extension CHIFile {
    /// `masks` (ascending mask numbers) cut into runs of at least `columnRunMinimum` consecutive
    /// masks, which are stored column by column, and the other, scattered masks; both as
    /// indices into `masks`. - Complexity: O(masks).
    static func splitRuns(_ masks: [Int]) -> (runs: [Range<Int>], scattered: [Int]) {
        var runs: [Range<Int>] = [], scattered: [Int] = []
        var i = 0
        while i < masks.count {
            var j = i + 1
            while j < masks.count && masks[j] == masks[j - 1] + 1 { j += 1 }
            if j - i >= columnRunMinimum { runs.append(i..<j) } else { scattered.append(contentsOf: i..<j) }
            i = j
        }
        return (runs, scattered)
    }
}
