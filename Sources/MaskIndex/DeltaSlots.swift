#if canImport(Glibc)
import Glibc
#endif

/// Mask number → slot of its record in a delta region (`DeltaDirectory.slots`): a flat table
/// of one `UInt32` per mask of the file, holding slot + 1 (0: no record), behind a type whose
/// subscript says `Int?`. Copy-on-write, like the standard collections.
///
/// Why not a dictionary: a reader builds the directory once per process, a writer once per
/// flush, over every published record (40,000 at the end of the Figure 11 workload, whose
/// files hold every mask in the delta). Inserting into a `Dictionary` cost ~30 ns a record and
/// was 1.3 ms of CPU per exploring query; a table store is one write. The table is
/// allocated zeroed by `calloc` (fresh pages from the kernel for large tables), so only the
/// pages of listed masks are touched, and none at all when the region is empty.
/// - Complexity: O(1) lookup and store; O(masks of the file) to iterate or copy.
public struct DeltaSlots: Sendable {
    private final class Table: @unchecked Sendable {
        let entries: UnsafeMutablePointer<UInt32>
        let maskCount: Int
        var count = 0
        /// True when `entries` came from `calloc` (freed by `free`); else Swift's allocator.
        private let fromCalloc: Bool

        init(maskCount: Int) {
            self.maskCount = maskCount
            let n = max(1, maskCount)
            if let raw = calloc(n, MemoryLayout<UInt32>.stride) {
                entries = raw.bindMemory(to: UInt32.self, capacity: n)
                fromCalloc = true
            } else {
                entries = .allocate(capacity: n)
                entries.initialize(repeating: 0, count: n)
                fromCalloc = false
            }
        }

        deinit { if fromCalloc { free(entries) } else { entries.deallocate() } }

        func copy() -> Table {
            let t = Table(maskCount: maskCount)
            t.entries.update(from: entries, count: maskCount)
            t.count = count
            return t
        }
    }

    private var table: Table?
    /// Masks of the file (valid mask numbers are `0..<maskCount`).
    public let maskCount: Int

    /// No mask has a slot; nothing is allocated until one is set.
    public init(maskCount: Int) { self.maskCount = maskCount }

    /// Number of masks with a slot.
    public var count: Int { table?.count ?? 0 }

    public var isEmpty: Bool { count == 0 }

    /// The slot of mask `mask`'s record; nil when it has none (or is out of range).
    @inline(__always)
    public subscript(mask: Int) -> Int? {
        guard let table, mask >= 0, mask < maskCount else { return nil }
        let v = table.entries[mask]
        return v == 0 ? nil : Int(v) - 1
    }

    /// Gives mask `mask` (in range) the slot `slot`, replacing the one it had.
    mutating func set(mask: Int, slot: Int) {
        precondition(mask >= 0 && mask < maskCount && slot >= 0 && slot < Int(UInt32.max), "delta slot out of range")
        if table == nil {
            table = Table(maskCount: maskCount)
        } else if !isKnownUniquelyReferenced(&table) {
            table = table!.copy()
        }
        if table!.entries[mask] == 0 { table!.count += 1 }
        table!.entries[mask] = UInt32(slot + 1)
    }

    /// The masks with a slot, ascending, with their slots.
    /// - Complexity: O(maskCount).
    public var listed: [(mask: Int, slot: Int)] {
        guard let table, table.count > 0 else { return [] }
        var out: [(mask: Int, slot: Int)] = []
        out.reserveCapacity(table.count)
        for m in 0..<maskCount where table.entries[m] != 0 { out.append((m, Int(table.entries[m]) - 1)) }
        return out
    }

    /// The masks with a slot, ascending.
    public var masks: [Int] { listed.map(\.mask) }
}
