#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage
import Synchronization

/// Writing the delta region of a version-3 or -4 index file (Format/index.md, "Delta region"). The
/// caller holds the database lock for every function here.
extension CHIFile {
    /// What `storeEntries` did with a set of masks.
    public enum StoreOutcome: Sendable, Equatable {
        /// Appended as delta records.
        case delta
        /// Stored into the key columns (with the delta's records, when it was merged).
        case columns(mergedFromDelta: Int)
    }

    /// Stores the entries of `masks` (ascending, distinct, none valid; `rows[i]`: the entries of
    /// `masks[i]` in key order at the entry width) and publishes them: appended to the delta
    /// region when they fit in its free slots, else stored into the key columns together with
    /// the delta's records, which empties the region (`mergeDelta`) — also when appending
    /// fails for want of space (version-4 records are sparse). Files without a delta region
    /// store into the columns.
    /// - Complexity: O(masks × keys) entry moves; a merge adds O(records × keys).
    @discardableResult
    public func storeEntries(masks: [Int], rows: [UnsafeRawPointer]) throws(StorageError) -> StoreOutcome {
        guard !masks.isEmpty else { return .delta }
        guard let delta else {
            try storeIntoColumns(masks: masks, rows: rows)
            try publish(masks)
            return .columns(mergedFromDelta: 0)
        }
        // This instance's readers see what it stored.
        defer { delta.forgetDirectory() }
        do throws(StorageError) {
            if let append = try DeltaAppend(file: self, candidates: masks) {
                try append.write(append.masks.indices, rows: append.given.map { rows[$0] })
                try append.publish()
                return .delta
            }
        } catch {
            // Version-4 records are not reserved: on a full disk the masks go into the
            // columns, whose blocks are (nothing was published: the count is unchanged).
            guard error.isOutOfSpace else { throw error }
        }
        return .columns(mergedFromDelta: try mergeDelta(delta, live: liveDeltaDirectory(delta, verify: true), adding: masks, rows: rows))
    }

    /// Stores `rows` (the entries of `masks`, ascending) into the key columns in one sweep
    /// (`storeWriting`: runs of consecutive masks written column by column), not yet published.
    private func storeIntoColumns(masks: [Int], rows: [UnsafeRawPointer]) throws(StorageError) {
        let rowBytes = header.keyCount * header.entryWidth
        var packed = [UInt8](repeating: 0, count: masks.count * rowBytes)
        packed.withUnsafeMutableBytes { dst in
            for (i, row) in rows.enumerated() { (dst.baseAddress! + i * rowBytes).copyMemory(from: row, byteCount: rowBytes) }
        }
        let stored: Result<Void, StorageError> = packed.withUnsafeBytes { b in
            Result { () throws(StorageError) in try storeWriting(masks: masks, entries: b) }
        }
        try stored.get()
    }

    /// The delta's directory as stored now (records' checksums checked when `verify`; else the
    /// directory the query read, extended by the records published since), for a writer
    /// holding the lock: empty when the file is untrusted (the `repair` the next publish
    /// does empties the region) or when its count exceeds the capacity (damage: the region is
    /// overwritten from slot 0).
    func liveDeltaDirectory(_ delta: DeltaRegion, verify: Bool) -> DeltaDirectory {
        var d = DeltaRegion.scan(delta.region, header: header, verify: verify, extending: delta.cachedDirectory)
        let mark = unsyncedBoot
        if (mark != 0 && mark != BootSession.tag) || d.storedCount > delta.capacity {
            // No reader uses these records: an earlier boot's mark makes the file untrusted (and
            // `repair` moves the generation), an oversized count gives readers an empty directory.
            d = DeltaDirectory(maskCount: header.maskCount, generation: d.generation)
        }
        return d
    }

    /// Stores the delta's intact records of masks not valid yet, and `masks`, into the key
    /// columns in one sweep (`store`), publishes their bits, then empties the region: the
    /// generation moves before its count drops to 0 (readers holding an older directory find
    /// every mask it names valid in the columns). Returns the number of records merged.
    @discardableResult
    func mergeDelta(_ delta: DeltaRegion, live: DeltaDirectory, adding masks: [Int] = [], rows: [UnsafeRawPointer] = []) throws(StorageError) -> Int {
        var sources: [Int: UnsafeRawPointer] = [:]
        for (m, slot) in live.slots.listed where !isValid(m) { sources[m] = delta.entries(slot: slot) }
        let merged = sources.count
        for (i, m) in masks.enumerated() { sources[m] = rows[i] }
        let all = sources.keys.sorted()
        try storeIntoColumns(masks: all, rows: all.map { sources[$0]! })
        try publish(all)
        if live.storedCount > 0 || !live.damaged.isEmpty { try setDeltaHeader(count: 0, generation: live.generation &+ 1) }
        return merged
    }

    /// Empties the delta region (a bulk build that stored every mask into the columns).
    func clearDelta() throws(StorageError) {
        guard let delta else { return }
        try setDeltaHeader(count: 0, generation: delta.generation &+ 1)
        delta.forgetDirectory()
    }

    /// Stores the delta header's generation, then its count (so that a reader seeing the new
    /// count of an emptied region also sees the new generation); synced when there is no boot
    /// tag (the version-1 protocol).
    func setDeltaHeader(count: Int, generation: UInt32) throws(StorageError) {
        let out = file.mutableBytes.baseAddress! + header.deltaOffset
        out.storeBytes(of: generation.littleEndian, toByteOffset: IndexLayout.deltaGenerationOffset, as: UInt32.self)
        atomicMemoryFence(ordering: .releasing)
        out.storeBytes(of: UInt32(count).littleEndian, toByteOffset: IndexLayout.deltaCountOffset, as: UInt32.self)
        if BootSession.tag == 0 { try file.sync(header.deltaOffset..<(header.deltaOffset + IndexLayout.deltaHeaderSize)) }
    }
}
