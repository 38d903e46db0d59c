import CMaskKernels
#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage
import Synchronization

/// One segment's Cumulative Histogram Index file (Format/index.md), memory-mapped.
///
/// Entries are read in place: from the key columns (`entry(key:mask:)`) for masks whose
/// validity bit is set, else from the mask-major delta region (`DeltaRegion`, versions 3 and 4) when
/// it holds an intact record of the mask (`indexedBounds`). A writable mapping also takes new
/// masks' entries — into the columns (`store`) then their validity bits (`publish`), or as
/// delta records then the region's count (`DeltaAppend`, `mergeDelta`). Until its bit is set
/// or its record published, a mask's entries are never used for a bound.
///
/// Durability without waiting for the disk: before the first bit it sets in a boot, a writer
/// makes the header's mark "unsynced in boot T" durable (`BootSession`); bits are then set
/// right after the entries are stored, with no sync. Readers trust the bits only when the
/// mark is 0 or the current boot, so a crash of the system (which loses or reorders unsynced
/// pages, and always changes the boot) makes the file's bits untrusted instead of wrong; a
/// process crash loses nothing, since the page cache keeps every store. `settle` syncs the
/// file and clears the mark once the kernel has written the pages back. Without a boot tag the
/// writer syncs entries before bits, as version 1 did.
public final class CHIFile: @unchecked Sendable {
    public let header: IndexHeader
    public let grid: CHIGrid
    public let file: MappedFile
    let entries: UnsafeRawPointer
    let stride: Int
    let wide: Bool
    /// The mask-major delta region (files of version 3 and later), nil in older files.
    public let delta: DeltaRegion?

    public var path: String { file.path }
    public var maskCount: Int { header.maskCount }

    /// Creates an empty index file (no mask valid, delta region empty) for a segment, the
    /// blocks of `header.reservedSize` bytes reserved (`createZeroFilledFile`: everything before
    /// the delta records); from version 4 the delta header (with the capacity) is written and
    /// the file extended to its full size, the records left sparse. On failure no file is left
    /// at `path`.
    public static func create(path: String, directory: String, header: IndexHeader) throws(StorageError) {
        do throws(StorageError) {
            try createZeroFilledFile(path, size: header.reservedSize, prefix: header.encoded(), directory: directory)
            if header.reservedSize < header.fileSize { try extendSparse(path: path, header: header) }
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Writes the delta header of a new version-4 file, extends the file to `header.fileSize`
    /// without reserving the records' blocks (`ftruncate`: a hole), and syncs it.
    private static func extendSparse(path: String, header: IndexHeader) throws(StorageError) {
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { throw StorageError.system(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = header.encodedDeltaHeader()
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, off_t(header.deltaOffset)) }
        guard n == bytes.count else { throw StorageError.system(call: "pwrite", path: path, errno: n < 0 ? errno : EIO) }
        guard ftruncate(fd, off_t(header.fileSize)) == 0 else { throw StorageError.system(call: "ftruncate", path: path, errno: errno) }
        guard fsync(fd) == 0 else { throw StorageError.system(call: "fsync", path: path, errno: errno) }
    }

    /// Opens an index file, checking its header and its binding to `segment`.
    public init(path: String, segment: SegmentReader, writable: Bool) throws(StorageError) {
        let file = try MappedFile(path: path, writable: writable)
        self.file = file
        do throws(FormatError) {
            let h = try IndexHeader.decode(file.bytes)
            let sh = segment.header
            guard h.height == sh.height, h.width == sh.width, h.pixelFormat == sh.pixelFormat, h.maskCount == sh.maskCount,
                  h.segmentFooterCRC == segment.footerChecksum else {
                throw FormatError(.invalidField, structure: "index header", offset: 16, detail: "does not belong to \(segment.path)")
            }
            guard file.count >= h.fileSize else {
                throw FormatError(.outOfBounds, structure: "index entries", offset: UInt64(file.count), detail: "file is \(file.count) bytes, needs \(h.fileSize)")
            }
            header = h
        } catch {
            throw StorageError.corrupt(error.located(in: path))
        }
        grid = CHIGrid(header: header)
        entries = file.bytes.baseAddress! + header.entriesOffset
        stride = header.columnStride
        wide = header.entryWidth == 4
        delta = header.hasDelta ? DeltaRegion(file: file, header: header) : nil
        let mark = UInt64(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self))
        trusted = mark == 0 || mark == BootSession.tag
    }

    /// False when, at open, the header said the bits relied on unsynced writes of an earlier
    /// boot: then no entry of the file is used by this instance (a writer's `repair` makes the
    /// file trusted for instances opened afterwards).
    public let trusted: Bool

    /// The header's unsynced-boot mark (0: every valid entry is durable).
    public var unsyncedBoot: UInt64 {
        UInt64(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self))
    }

    /// True when mask `m`'s entries are complete and trusted.
    ///
    /// Reads of the mask's entries that follow are ordered after this read of its bit (an
    /// acquire fence): a writer in another process stores the entries before it sets the bit,
    /// so entries read after a set bit are complete.
    @inlinable public func isValid(_ m: Int) -> Bool {
        let set = trusted && file.bytes[header.validityOffset + m >> 3] & (1 << UInt8(m & 7)) != 0
        atomicMemoryFence(ordering: .acquiring)
        return set
    }

    /// The delta region's directory when the file is trusted and has one (read once per
    /// instance), else nil.
    public func deltaDirectory() -> DeltaDirectory? {
        guard trusted, let delta else { return nil }
        return delta.directory()
    }

    /// True when mask `m` has entries a bound may use: valid in the columns, or an intact
    /// record in the delta region.
    public func hasEntries(_ m: Int) -> Bool {
        if isValid(m) { return true }
        guard let slot = deltaDirectory()?.slots[m] else { return false }
        return delta!.isIntact(slot: slot)
    }

    /// Number of masks with entries (`hasEntries`): valid in the columns or in the delta.
    public var indexedCount: Int {
        guard let d = deltaDirectory() else { return validCount }
        return validCount + d.slots.listed.filter { !isValid($0.mask) && delta!.isIntact(slot: $0.slot) }.count
    }

    /// Bounds on CP for mask `m` by any plan, from the columns when the mask is valid there,
    /// else from its delta record (`directory`: this file's `deltaDirectory()`); nil when it has
    /// neither, or when the delta region was emptied while the record was read.
    /// - Complexity: the plan's entry loads (at most 32 for `BoundsPlan`) plus a table lookup.
    @inline(__always)
    public func indexedBounds<Plan: MaskBoundsPlan>(_ plan: Plan, mask m: Int, directory: DeltaDirectory?) -> ClosedRange<Int>? {
        if isValid(m) { return plan.evaluate { entry(key: $0, mask: m) } }
        guard let directory, let slot = directory.slots[m], let delta, delta.isIntact(slot: slot) else { return nil }
        let b = plan.evaluate { delta.entry(key: $0, slot: slot) }
        return delta.unchanged(since: directory) ? b : nil
    }

    /// All entries of mask `m` in key order — from the columns when it is valid there, else from
    /// its intact delta record — or nil when it has neither (or the delta region was emptied
    /// while the record was read). For a caller reading many keys of one mask (`explain`).
    /// - Complexity: O(keys) entry loads.
    public func indexedEntries(mask m: Int) -> [Int]? {
        if isValid(m) { return (0..<grid.keyCount).map { entry(key: $0, mask: m) } }
        guard let directory = deltaDirectory(), let slot = directory.slots[m], let delta, delta.isIntact(slot: slot) else { return nil }
        let entries = (0..<grid.keyCount).map { delta.entry(key: $0, slot: slot) }
        return delta.unchanged(since: directory) ? entries : nil
    }

    /// Number of valid masks (in the columns).
    public var validCount: Int {
        guard trusted else { return 0 }
        var n = 0
        for i in 0..<((maskCount + 7) / 8) { n += file.bytes[header.validityOffset + i].nonzeroBitCount }
        return n
    }

    /// True when some mask of `masks` is valid; `masks.lowerBound` a multiple of 8.
    /// - Complexity: O(masks / 8) byte loads.
    public func anyValid(in masks: Range<Int>) -> Bool {
        guard trusted, !masks.isEmpty else { return false }
        let bitmap = file.bytes.baseAddress! + header.validityOffset
        for byte in (masks.lowerBound >> 3)...((masks.upperBound - 1) >> 3) where bitmap.load(fromByteOffset: byte, as: UInt8.self) != 0 {
            return true
        }
        return false
    }

    /// The bit of mask `m` as stored, trusted or not (for `dump`).
    public func storedBit(_ m: Int) -> Bool {
        file.bytes[header.validityOffset + m >> 3] & (1 << UInt8(m & 7)) != 0
    }

    /// Entry `key` of mask `m`.
    @inline(__always)
    public func entry(key: Int, mask m: Int) -> Int {
        let p = entries + key * stride
        return wide ? Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: m * 4, as: UInt32.self)))
                    : Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: m * 2, as: UInt16.self)))
    }

    /// Bounds on CP for mask `m` (which must be valid) by any plan.
    @inline(__always)
    public func bounds<Plan: MaskBoundsPlan>(_ plan: Plan, mask m: Int) -> ClosedRange<Int> {
        plan.evaluate { entry(key: $0, mask: m) }
    }

    /// Hints that entry `key` of mask `m` will be read soon.
    @inline(__always)
    public func prefetchEntry(key: Int, mask m: Int) {
        cmk_prefetch(entries + key * stride + m * header.entryWidth)
    }

    /// Starts reading the entries of masks `masks` in every key column `plan` reads
    /// (`MappedFile.willNeed`): a constant ROI's columns, a few hundred kilobytes for 40k masks.
    /// Nothing is read for a file without valid masks (a fresh, sparse file: reading ahead
    /// would fill the page cache with its holes). Always advised, unlike `prefetchEntries`:
    /// these are few long ranges, whose first pages say little about the rest being cached.
    public func prefetchColumns<Plan: MaskBoundsPlan>(_ plan: Plan, masks: Range<Int>) {
        guard !masks.isEmpty, validCount > 0 else { return }
        plan.forEachKey { key in
            let r = columnRange(key: key, masks: masks)
            file.willNeed(offset: r.lowerBound, length: r.count)
        }
    }

    /// The bytes of the file holding key `key`'s entries of masks `masks`.
    public func columnRange(key: Int, masks: Range<Int>) -> Range<Int> {
        let start = header.entriesOffset + key * stride + masks.lowerBound * header.entryWidth
        return start..<(start + masks.count * header.entryWidth)
    }

    /// Starts reading the byte ranges `ranges` of entries (`columnRange`, in any order, often
    /// repeated: the plans of many runs of few masks), each page once, pages closer than one
    /// page merged into one advice — unless a sample of them is cached already
    /// (`MappedFile.isResident(sampling:)`), when advising would only cost system calls.
    /// Nothing is read for a file without valid masks (see `prefetchColumns`).
    /// - Complexity: O(r log r) for r ranges, plus at most one `madvise` per distinct page.
    public func prefetchEntries(_ ranges: [Range<Int>]) {
        guard validCount > 0, !ranges.isEmpty else { return }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        guard !file.isResident(sampling: sorted) else { return }
        file.willNeed(sorted, mergingGapsUpTo: MappedFile.pageSize)
    }

    /// Starts reading the validity bitmap and, in every cell, the key columns of the bins
    /// `bins` (1..<grid.bins, as in `CHIGrid.key`), adjacent columns as one range: for bounds
    /// over many different boxes with one code interval (named ROIs), which read only those
    /// bins' columns. Returns false (and reads nothing) when no mask is valid yet.
    /// - Complexity: O(keys) calls of at most one `madvise` each.
    @discardableResult
    public func prefetchBinColumns(_ bins: Set<Int>) -> Bool {
        guard validCount > 0 else { return false }
        file.willNeed(offset: header.validityOffset, length: (maskCount + 7) / 8)
        let perCell = grid.bins - 1
        var run = 0..<0
        for key in 0..<header.keyCount where bins.contains(key % perCell + 1) {
            if run.upperBound == key && !run.isEmpty {
                run = run.lowerBound..<(key + 1)
            } else {
                if !run.isEmpty { file.willNeed(offset: header.entriesOffset + run.lowerBound * stride, length: run.count * stride) }
                run = key..<(key + 1)
            }
        }
        if !run.isEmpty { file.willNeed(offset: header.entriesOffset + run.lowerBound * stride, length: run.count * stride) }
        return true
    }

    /// Starts reading every entry and the validity bitmap: for bounds over many different
    /// boxes (named ROIs), which touch nearly every page of the key columns.
    /// Returns false (and reads nothing) when no mask is valid yet.
    @discardableResult
    public func prefetchAllEntries() -> Bool {
        guard validCount > 0 else { return false }
        file.willNeed(offset: header.validityOffset, length: (maskCount + 7) / 8)
        file.willNeed(offset: header.entriesOffset, length: header.keyCount * stride)
        return true
    }

    /// Bounds of masks `range` of the file for one plan, vectorised over masks: in tiles of
    /// 1024 masks (so that the four partial sums stay in L1), each of the plan's four sums is
    /// accumulated key column by key column (unit-stride loads of the tile's entries), then
    /// combined as `BoundsPlan.bounds` does; then masks of the range held by the delta region
    /// instead get their bounds from their records (`patchDeltaBounds`). `lower[i]`/`upper[i]`
    /// are for mask `range.lowerBound + i`; masks without entries get `lower = -1`.
    /// - Complexity: O(terms × masks) with unit-stride loops; tens of millions of masks/s per core.
    public func boundsForMasks(_ range: Range<Int>, plan: BoundsPlan, lower: UnsafeMutablePointer<Int32>, upper: UnsafeMutablePointer<Int32>) {
        guard !range.isEmpty else { return }
        if let e = plan.exact {
            let slots = deltaDirectory()?.slots ?? DeltaSlots(maskCount: 0)
            for (i, m) in range.enumerated() {
                lower[i] = isValid(m) || slots[m].map { delta!.isIntact(slot: $0) } == true ? Int32(e) : -1
                upper[i] = Int32(e)
            }
            return
        }
        defer { patchDeltaBounds(range, plan: plan, lower: lower, upper: upper) }
        let tile = 1024
        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * tile)
        let valid = UnsafeMutablePointer<Bool>.allocate(capacity: tile)
        defer { scratch.deallocate(); valid.deallocate() }
        let ii = scratch, oi = scratch + tile, oo = scratch + 2 * tile, io = scratch + 3 * tile
        let wide = self.wide, entries = self.entries, stride = self.stride
        @inline(__always) func accumulate(_ sum: BoundsPlan.Sum, _ first: Int, _ n: Int, into acc: UnsafeMutablePointer<Int32>) {
            acc.initialize(repeating: Int32(sum.constant), count: n)
            for i in 0..<sum.count {
                let column = entries + Int(sum.keys[i]) * stride
                let sign = sum.signs[i]
                if wide {
                    let c = column.assumingMemoryBound(to: UInt32.self) + first
                    if sign > 0 { for m in 0..<n { acc[m] &+= Int32(truncatingIfNeeded: c[m]) } } else { for m in 0..<n { acc[m] &-= Int32(truncatingIfNeeded: c[m]) } }
                } else {
                    let c = column.assumingMemoryBound(to: UInt16.self) + first
                    if sign > 0 { for m in 0..<n { acc[m] &+= Int32(c[m]) } } else { for m in 0..<n { acc[m] &-= Int32(c[m]) } }
                }
            }
        }
        let outside = Int32(plan.outerArea - plan.boxArea), missing = Int32(plan.boxArea - plan.innerArea), area = Int32(plan.boxArea)
        let bitmap = file.bytes.baseAddress! + header.validityOffset
        var first = range.lowerBound
        while first < range.upperBound {
            let n = min(tile, range.upperBound - first)
            // The validity bits first, then the entries (see `isValid`): a mask whose bit a
            // concurrent writer sets meanwhile counts as not indexed, never as indexed with
            // entries read before they were stored.
            for m in 0..<n {
                let g = first + m
                valid[m] = trusted && bitmap.load(fromByteOffset: g >> 3, as: UInt8.self) & (1 << UInt8(g & 7)) != 0
            }
            atomicMemoryFence(ordering: .acquiring)
            accumulate(plan.innerInner, first, n, into: ii)
            accumulate(plan.outerInner, first, n, into: oi)
            accumulate(plan.outerOuter, first, n, into: oo)
            accumulate(plan.innerOuter, first, n, into: io)
            let lo = lower + (first - range.lowerBound), hi = upper + (first - range.lowerBound)
            for m in 0..<n {
                let l = max(ii[m], oi[m] &- outside, 0)
                lo[m] = l
                hi[m] = max(l, min(oo[m], io[m] &+ missing, area))
            }
            for m in 0..<n where !valid[m] { lo[m] = -1 }
            first += n
        }
    }

    /// Bounds of the masks of `range` that are not valid in the columns but have a delta record,
    /// from their records (`lower`/`upper` as in `boundsForMasks`).
    /// - Complexity: O(masks of `range`) lookups plus the plan's loads per patched mask.
    private func patchDeltaBounds(_ range: Range<Int>, plan: BoundsPlan, lower: UnsafeMutablePointer<Int32>, upper: UnsafeMutablePointer<Int32>) {
        guard let d = deltaDirectory(), !d.slots.isEmpty else { return }
        for m in range where d.slots[m] != nil && !isValid(m) {
            guard let b = indexedBounds(plan, mask: m, directory: d) else { continue }
            lower[m - range.lowerBound] = Int32(b.lowerBound)
            upper[m - range.lowerBound] = Int32(b.upperBound)
        }
    }

    /// Recomputes mask `m`'s checksum from its entries: true when it matches (for `dump`).
    public func verifyChecksum(mask m: Int) -> Bool {
        var w = ByteWriter(capacity: grid.keyCount * header.entryWidth)
        for k in 0..<grid.keyCount {
            if wide { w.u32(UInt32(entry(key: k, mask: m))) } else { w.u16(UInt16(entry(key: k, mask: m))) }
        }
        return CRC32C.checksum(w.bytes) == UInt32(littleEndian: file.bytes.loadUnaligned(fromByteOffset: header.checksumsOffset + m * 4, as: UInt32.self))
    }
}
