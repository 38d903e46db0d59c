#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage

/// The write protocol of an index file (Format/index.md, "Write protocol"): publishing
/// validity bits under this boot's unsynced mark, repairing a file a crash left untrusted,
/// settling once the kernel has written the pages back.
extension CHIFile {
    /// Marks `masks` (whose entries and checksums are stored) valid. With a boot tag: the
    /// unsynced mark first (`prepareUnsyncedWrites`), then the bits, no sync. Without one: the
    /// entries are synced, then the bits set and synced. The caller holds the database lock
    /// (bits of one byte are shared between masks).
    public func publish(_ masks: [Int]) throws(StorageError) {
        guard !masks.isEmpty else { return }
        try prepareForPublishing()
        if BootSession.tag == 0 { try file.sync(header.checksumsOffset..<header.fileSize) }
        let out = file.mutableBytes
        for m in masks {
            let at = header.validityOffset + m >> 3
            out[at] |= 1 << UInt8(m & 7)
        }
        if BootSession.tag == 0 { try file.sync(header.validityOffset..<header.checksumsOffset) }
    }

    /// Before a writer publishes bits or delta records: with a boot tag, this boot's unsynced
    /// mark made durable (`prepareUnsyncedWrites`); without one, an untrusted file repaired.
    func prepareForPublishing() throws(StorageError) {
        if BootSession.tag != 0 { try prepareUnsyncedWrites() } else { try repair() }
    }

    /// Seconds after which the kernel has written dirty pages back (its default
    /// `dirty_expire_centisecs` is 30 s), so that `settle`'s sync is cheap.
    public static let settleAfterSeconds = 35

    /// True when this boot's unsynced mark is older than `settleAfterSeconds`.
    public var needsSettle: Bool {
        guard unsyncedBoot != 0, unsyncedBoot == BootSession.tag else { return false }
        let since = Int(UInt32(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: IndexLayout.unsyncedSinceOffset, as: UInt32.self)))
        return Int(time(nil)) - since >= CHIFile.settleAfterSeconds
    }

    /// Makes the header's mark "unsynced in this boot" durable before any bit relies on
    /// unsynced writes; repairs an untrusted file first. The caller holds the database lock.
    func prepareUnsyncedWrites() throws(StorageError) {
        guard unsyncedBoot != BootSession.tag else { return }
        try repair()
        let out = file.mutableBytes.baseAddress!
        let now = UInt32(clamping: Int(time(nil)))
        out.storeBytes(of: now.littleEndian, toByteOffset: IndexLayout.unsyncedSinceOffset, as: UInt32.self)
        out.storeBytes(of: BootSession.tag.littleEndian, toByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self)
        try file.sync(0..<IndexLayout.headerSize)
    }

    /// An untrusted file (unsynced writes of an earlier boot): clears every bit and empties the
    /// delta region, durably, then clears the mark, so that the file can be filled again. The
    /// caller holds the database lock.
    func repair() throws(StorageError) {
        let mark = unsyncedBoot
        guard mark != 0 && mark != BootSession.tag else { return }
        let out = file.mutableBytes
        for i in header.validityOffset..<header.checksumsOffset { out[i] = 0 }
        try file.sync(header.validityOffset..<header.checksumsOffset)
        if let delta {
            try setDeltaHeader(count: 0, generation: delta.generation &+ 1)
            try file.sync(header.deltaOffset..<(header.deltaOffset + IndexLayout.deltaHeaderSize))
            delta.forgetDirectory()
        }
        out.baseAddress!.storeBytes(of: UInt64(0), toByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self)
        try file.sync(0..<IndexLayout.headerSize)
    }

    /// Once the kernel has had time to write the file back (`needsSettle`, or `force`): syncs
    /// the whole file — cheap when the pages are already clean — then clears the mark durably.
    /// The caller holds the database lock.
    public func settle(force: Bool = false) throws(StorageError) {
        guard file.writable, unsyncedBoot != 0, unsyncedBoot == BootSession.tag, force || needsSettle else { return }
        try file.sync()
        file.mutableBytes.baseAddress!.storeBytes(of: UInt64(0), toByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self)
        try file.sync(0..<IndexLayout.headerSize)
    }

}
