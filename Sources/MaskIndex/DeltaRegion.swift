import MaskFormat
import MaskStorage
import Synchronization

/// Where the delta region's records are, as read at one moment: the slot of each mask whose
/// record is intact, and the region's generation then.
public struct DeltaDirectory: Sendable {
    /// Mask number → slot, for the published records whose mask number is in range and (when
    /// the directory was read `verified`) whose checksum is right — else the checksum is checked
    /// when the record is first used (`DeltaRegion.isIntact`). The last record wins when a mask
    /// appears twice; both hold the same entries.
    public var slots: DeltaSlots
    /// Published slots whose record is damaged (mask number out of range, or checksum mismatch
    /// when read `verified`).
    public var damaged: [Int] = []
    /// The published count as stored. A count beyond the capacity is damage: no record of the
    /// region is then used (`slots` is empty).
    public var storedCount = 0
    /// The region's generation when it was read: its slots hold what `slots` says while the
    /// generation is unchanged (`DeltaRegion.unchanged(since:)`).
    public var generation: UInt32 = 0

    /// An empty directory of a file of `maskCount` masks.
    init(maskCount: Int, storedCount: Int = 0, generation: UInt32 = 0) {
        slots = DeltaSlots(maskCount: maskCount)
        self.storedCount = storedCount
        self.generation = generation
    }
}

/// The mask-major delta region of a version-3 or -4 index file (Format/index.md, "Delta
/// region"): up to `capacity` records (version 4: stored in its header; every mask of new files), each a whole mask's entries in key order with its mask number and
/// CRC-32C, listed by mask number in a directory array, so that storing a mask touches about its own bytes (7.5 KB for 224×224 masks at
/// cell 16 and 20 bins) instead of one page of every key column. Records `0..<count` are
/// published; `count` and `generation` are set only under the database lock.
///
/// Readers use a record only when the file is trusted (the boot rule of the validity bits
/// covers the region) and its checksum is right; a record whose mask is also valid in the
/// columns is never read (the columns win). A merge (`CHIFile+Delta`) stores the records
/// into the columns, publishes their bits, then increments the generation before any slot is
/// reused, so a reader that finds the generation unchanged after reading a record read what
/// its directory says (a sequence lock; every mask it names is valid in the columns once the
/// generation moves).
public final class DeltaRegion: @unchecked Sendable {
    public let header: IndexHeader
    let file: MappedFile
    /// The region's first byte (its header) in the mapping.
    let base: UnsafeRawPointer
    public var capacity: Int { header.deltaCapacity }
    public var recordSize: Int { header.deltaRecordSize }
    private let cached = Mutex<DeltaDirectory?>(nil)
    /// Per slot of the cached directory: 0 checksum not checked yet, 1 right, 2 wrong.
    private let checked: Mutex<[UInt8]>

    init(file: MappedFile, header: IndexHeader) {
        self.header = header
        self.file = file
        base = file.bytes.baseAddress! + header.deltaOffset
        checked = Mutex([])
    }

    /// The published count as stored now (another process may raise it).
    public var storedCount: Int {
        Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: IndexLayout.deltaCountOffset, as: UInt32.self)))
    }

    /// The generation as stored now.
    public var generation: UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: IndexLayout.deltaGenerationOffset, as: UInt32.self))
    }

    /// The directory as read the first time it was asked for (one read per instance), from the
    /// directory array (4 bytes per published record, nothing of the records): their checksums
    /// are checked as they are used (`isIntact`).
    /// - Complexity: first call O(published records) loads, then O(1).
    public func directory() -> DeltaDirectory {
        if let d = cached.withLock({ $0 }) { return d }
        let d = DeltaRegion.scan(region, header: header, verify: false)
        checked.withLock { $0 = [UInt8](repeating: 0, count: d.slots.isEmpty ? 0 : d.storedCount) }
        cached.withLock { $0 = d }
        return d
    }

    /// The region's bytes, from its header to the end of the file.
    var region: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: header.fileSize - header.deltaOffset)
    }

    /// True when the record in `slot` (of the cached directory) has a right checksum; checked
    /// the first time it is asked, then remembered.
    /// - Complexity: first call per slot O(entries) (CRC-32C of 7.5 KB for 224×224 masks), then O(1).
    public func isIntact(slot: Int) -> Bool {
        let known = checked.withLock { slot < $0.count ? $0[slot] : 0 }
        if known != 0 { return known == 1 }
        let at = header.deltaRecordsOffset - header.deltaOffset + slot * header.deltaRecordSize
        let listed = Int(loadLittleEndian(UInt32.self, from: region, at: header.deltaDirectoryOffset - header.deltaOffset + slot * 4))
        let ok = DeltaRegion.checkedMask(UnsafeRawBufferPointer(rebasing: region[at..<(at + header.deltaRecordSize)]), header: header) == listed
        checked.withLock { if slot < $0.count { $0[slot] = ok ? 1 : 2 } }
        return ok
    }

    /// The directory `directory()` read, if it was asked for.
    var cachedDirectory: DeltaDirectory? { cached.withLock { $0 } }

    /// Forgets the directory read and the checksums checked (a writer of this instance changed
    /// the region): the next `directory()` reads it again.
    func forgetDirectory() {
        cached.withLock { $0 = nil }
        checked.withLock { $0 = [] }
    }

    /// Reads the directory of a delta region (`region`: its bytes from the delta header on):
    /// the mask number of each published slot from the directory array (4 bytes per published
    /// slot: 160 KB for 40,000), checked to be in range and, when `verify`, to equal its record's mask number with
    /// the record's checksum right (none is used when the count exceeds the capacity). Used by
    /// readers (not verifying: `isIntact` checks each record as it is used), writers (under the
    /// lock, for the current state) and `masksearch dump`.
    ///
    /// `known`, an unverified directory read earlier: when the generation is still its own, the
    /// slots below its count are as it lists them (records are only appended within a generation;
    /// a merge or a repair moves it before any slot is reused), so only the later ones are read.
    public static func scan(_ region: UnsafeRawBufferPointer, header: IndexHeader, verify: Bool = true,
                            extending known: DeltaDirectory? = nil) -> DeltaDirectory {
        var d = DeltaDirectory(maskCount: header.maskCount)
        d.generation = loadLittleEndian(UInt32.self, from: region, at: IndexLayout.deltaGenerationOffset)
        d.storedCount = Int(loadLittleEndian(UInt32.self, from: region, at: IndexLayout.deltaCountOffset))
        atomicMemoryFence(ordering: .acquiring)
        guard d.storedCount <= header.deltaCapacity else { return d }
        var first = 0
        if !verify, let known, known.generation == d.generation, known.storedCount <= d.storedCount {
            (first, d.slots, d.damaged) = (known.storedCount, known.slots, known.damaged)
        }
        let directory = header.deltaDirectoryOffset - header.deltaOffset
        for slot in first..<d.storedCount {
            let m = Int(loadLittleEndian(UInt32.self, from: region, at: directory + slot * 4))
            let at = header.deltaRecordsOffset - header.deltaOffset + slot * header.deltaRecordSize
            let record = UnsafeRawBufferPointer(rebasing: region[at..<(at + header.deltaRecordSize)])
            if m < header.maskCount && (!verify || checkedMask(record, header: header) == m) { d.slots.set(mask: m, slot: slot) } else { d.damaged.append(slot) }
        }
        return d
    }

    /// The mask number of a record when it is in range and its checksum right, else nil.
    static func checkedMask(_ record: UnsafeRawBufferPointer, header: IndexHeader) -> Int? {
        let m = Int(loadLittleEndian(UInt32.self, from: record, at: 0))
        let stored = loadLittleEndian(UInt32.self, from: record, at: 4)
        guard m < header.maskCount, stored == recordChecksum(record, header: header) else { return nil }
        return m
    }

    /// CRC-32C of a record's mask number (4 bytes) followed by its entries.
    static func recordChecksum(_ record: UnsafeRawBufferPointer, header: IndexHeader) -> UInt32 {
        let start = IndexLayout.deltaRecordEntriesOffset
        return recordChecksum(mask: loadLittleEndian(UInt32.self, from: record, at: 0),
                              entries: UnsafeRawBufferPointer(rebasing: record[start..<(start + header.keyCount * header.entryWidth)]))
    }

    /// CRC-32C of mask number `mask` (4 bytes, little-endian) followed by `entries`.
    static func recordChecksum(mask: UInt32, entries: UnsafeRawBufferPointer) -> UInt32 {
        withUnsafeBytes(of: mask.littleEndian) { CRC32C.checksum(entries, continuing: CRC32C.checksum($0)) }
    }

    /// The entries of the record in `slot` (key order, at the entry width).
    @inline(__always)
    func entries(slot: Int) -> UnsafeRawPointer {
        base + (header.deltaRecordsOffset - header.deltaOffset) + slot * header.deltaRecordSize + IndexLayout.deltaRecordEntriesOffset
    }

    /// Entry `key` of the record in `slot`.
    @inline(__always)
    public func entry(key: Int, slot: Int) -> Int {
        let p = entries(slot: slot)
        return header.entryWidth == 4 ? Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: key * 4, as: UInt32.self)))
                                      : Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: key * 2, as: UInt16.self)))
    }

    /// True when the region was not emptied since `directory` was read, so that what was read
    /// from its slots in between is what the directory says (loads ordered after those reads).
    @inline(__always)
    public func unchanged(since directory: DeltaDirectory) -> Bool {
        atomicMemoryFence(ordering: .acquiring)
        return generation == directory.generation
    }
}
