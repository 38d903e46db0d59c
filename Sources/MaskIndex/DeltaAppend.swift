#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage

/// Free slots `first..<first + masks.count` of an index file's delta region, taken for the
/// records of `masks` under the database lock (Format/index.md, "Delta region"): their blocks
/// are allocated when it is made, the records are written (`write`, from any thread, each
/// index once), then `publish` lists them and sets the count. Until then no reader sees them:
/// a crash or an error before `publish` leaves the published records as they were.
///
/// `CHIFile.storeEntries` writes a flush's records in one call; `IndexWriter.indexDeferred`
/// has its cores write each record as soon as it is built, with no copy kept in memory.
/// The caller holds the database lock from `init` to `publish`.
final class DeltaAppend: @unchecked Sendable {
    let file: CHIFile
    let delta: DeltaRegion
    /// The masks, in slot order (ascending mask numbers; none listed in the region, none valid).
    let masks: [Int]
    /// Per mask of `masks`, its index in the masks `init` was given.
    let given: [Int]
    /// The slot of `masks[0]`: the region's published count.
    let first: Int
    private let fd: Int32
    /// The zero bytes after a record's entries, up to the record size.
    private let padding: UnsafeMutableRawBufferPointer

    /// Takes the region's next slots for those of `candidates` (ascending, none valid) that the
    /// region does not list yet (`CHIFile.liveDeltaDirectory`: a damaged record's mask waits
    /// for the next merge) and allocates their blocks (`SystemCalls.allocate`: a full disk
    /// fails here, by name); nil when the file has no delta region or they do not fit in its
    /// free slots. Makes the file ready for publishing first (`prepareForPublishing`: this
    /// boot's unsynced mark, or a repair), as every writer does.
    init?(file: CHIFile, candidates: [Int]) throws(StorageError) {
        guard let delta = file.delta else { return nil }
        let live = file.liveDeltaDirectory(delta, verify: false)
        let given = candidates.indices.filter { live.slots[candidates[$0]] == nil }
        guard live.storedCount + given.count <= delta.capacity else { return nil }
        self.file = file
        self.delta = delta
        self.given = given
        masks = given.map { candidates[$0] }
        first = live.storedCount
        if !masks.isEmpty { try file.prepareForPublishing() }
        let fd = try SystemCalls.open(file.path, O_WRONLY)
        do throws(StorageError) {
            let start = file.header.deltaRecordsOffset + first * delta.recordSize
            if !masks.isEmpty { try SystemCalls.allocate(fd, offset: start, length: masks.count * delta.recordSize, path: file.path) }
        } catch {
            SystemCalls.close(fd)
            throw error
        }
        self.fd = fd
        let rowBytes = file.header.keyCount * file.header.entryWidth
        padding = .allocate(byteCount: max(1, delta.recordSize - IndexLayout.deltaRecordEntriesOffset - rowBytes), alignment: 16)
        padding.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        SystemCalls.close(fd)
        padding.deallocate()
    }

    /// The file offset of the record of `masks[i]`.
    private func recordOffset(_ i: Int) -> Int { file.header.deltaRecordsOffset + (first + i) * delta.recordSize }

    /// Writes the records of `masks[indices]` (`rows[j]`: the entries of `masks[indices.lowerBound
    /// + j]` in key order at the entry width) with one `pwritev` per 341 records of three pieces
    /// each — the mask number and checksum, the entries where they lie, the zero padding — with
    /// nothing assembled in memory. Never a store through the mapping: a `pwrite` reports
    /// ENOSPC where a store would raise SIGBUS, and the page cache makes the bytes visible to
    /// the mapping at once. Measured on a query's 209 records of 7,488 bytes (ext4): 0.24 ms,
    /// against 0.6 ms for writes of 64 KB batches copied into a buffer.
    func write(_ indices: Range<Int>, rows: [UnsafeRawPointer]) throws(StorageError) {
        guard !indices.isEmpty else { return }
        let rowBytes = file.header.keyCount * file.header.entryWidth
        let paddingBytes = delta.recordSize - IndexLayout.deltaRecordEntriesOffset - rowBytes
        let heads = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 2 * indices.count)
        defer { heads.deallocate() }
        var pieces: [iovec] = []
        pieces.reserveCapacity(3 * indices.count)
        for (n, i) in indices.enumerated() {
            let m = UInt32(masks[i])
            heads[2 * n] = m.littleEndian
            heads[2 * n + 1] = DeltaRegion.recordChecksum(mask: m, entries: UnsafeRawBufferPointer(start: rows[n], count: rowBytes)).littleEndian
            pieces.append(iovec(iov_base: UnsafeMutableRawPointer(heads.baseAddress! + 2 * n), iov_len: IndexLayout.deltaRecordEntriesOffset))
            pieces.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: rows[n]), iov_len: rowBytes))
            if paddingBytes > 0 { pieces.append(iovec(iov_base: padding.baseAddress, iov_len: paddingBytes)) }
        }
        try SystemCalls.pwriteAll(fd, pieces, offset: recordOffset(indices.lowerBound), path: file.path)
    }

    /// Publishes every record (all written): their mask numbers into the directory array, then
    /// — with a boot tag — the count; without one, the records and the array are synced first,
    /// then the count set and synced. This file's readers in this process see them next time.
    func publish() throws(StorageError) {
        guard !masks.isEmpty else { return }
        var listed = ByteWriter(capacity: masks.count * 4)
        for m in masks { listed.u32(UInt32(m)) }
        let entries = file.header.deltaDirectoryOffset + first * 4
        try SystemCalls.pwriteAll(fd, listed.bytes, offset: entries, path: file.path)
        if BootSession.tag == 0 {
            try file.file.sync(recordOffset(0)..<recordOffset(masks.count))
            try file.file.sync(entries..<(entries + masks.count * 4))
        }
        try file.setDeltaHeader(count: first + masks.count, generation: delta.generation)
        delta.forgetDirectory()
    }
}
