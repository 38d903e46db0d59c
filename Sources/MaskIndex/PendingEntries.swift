/// Entries of masks a query read whole, kept in memory until `IndexWriter.flush` stores them:
/// each mask's entries in key order at its file's entry width, packed one after another in one
/// buffer of at most `limitBytes` (allocated at that size on the first insert; pages are
/// touched as it fills). Not thread-safe: `IndexWriter` keeps it under its lock.
final class PendingEntries {
    let limitBytes: Int
    /// Per segment: local mask number → byte offset of its entries in the buffer.
    private(set) var offsets: [[Int: Int]]
    private var buffer: UnsafeMutableRawPointer?
    private var used = 0

    init(segments: Int, limitBytes: Int) {
        self.limitBytes = limitBytes
        offsets = Array(repeating: [:], count: segments)
    }

    deinit { buffer?.deallocate() }

    /// Number of masks kept.
    var count: Int { offsets.reduce(0) { $0 + $1.count } }

    func contains(segment s: Int, mask local: Int) -> Bool { offsets[s][local] != nil }

    /// True when a mask of `bytes` bytes of entries fits.
    func hasRoom(for bytes: Int) -> Bool { used + bytes <= limitBytes }

    /// Makes room for the `bytes` bytes of entries of mask `local` of segment `s` and returns
    /// where to write them; nil (nothing kept) when the mask is kept already or does not fit.
    /// The caller writes them before anything reads this buffer (`sorted`), and may do so
    /// outside its lock: the room is the caller's alone. (`IndexWriter.observe` builds in
    /// parallel, and its writer is not flushed while a pass runs: one query at a time.)
    func reserve(segment s: Int, mask local: Int, bytes: Int) -> UnsafeMutableRawPointer? {
        guard offsets[s][local] == nil, hasRoom(for: bytes) else { return nil }
        if buffer == nil { buffer = .allocate(byteCount: max(1, limitBytes), alignment: 64) }
        offsets[s][local] = used
        defer { used += bytes }
        return buffer! + used
    }

    /// The masks kept for segment `s` for which `include` is true, ascending, and where their
    /// entries are (valid while this buffer lives).
    func sorted(segment s: Int, where include: (Int) -> Bool) -> (masks: [Int], rows: [UnsafeRawPointer]) {
        guard let buffer else { return ([], []) }
        let masks = offsets[s].keys.filter(include).sorted()
        return (masks, masks.map { UnsafeRawPointer(buffer + offsets[s][$0]!) })
    }
}
