/// `Ingester.Options.rowSelection`: the masks of an ingest's concatenated inputs to keep,
/// as ascending indices (a shard's subset). Metadata rows are selected alike.
struct RowSelection {
    /// nil: every mask.
    let rows: [Int]?

    /// Checks `rows` against the inputs' `inputTotal` masks: every index in range, strictly
    /// ascending, at least one. Returns the selection and how many masks it keeps.
    /// - Complexity: O(rows).
    static func checked(_ rows: [Int]?, inputTotal: Int, source: String) throws(StorageError) -> (RowSelection, Int) {
        guard let rows else { return (RowSelection(rows: nil), inputTotal) }
        guard !rows.isEmpty else {
            throw StorageError.invalidInput(file: source, location: "row selection", reason: "selects no masks")
        }
        for (i, r) in rows.enumerated() {
            guard (0..<inputTotal).contains(r) else {
                throw StorageError.invalidInput(file: source, location: "row selection",
                                                reason: "index \(r) is outside the \(inputTotal) input masks")
            }
            if i > 0 && rows[i - 1] >= r {
                throw StorageError.invalidInput(file: source, location: "row selection",
                                                reason: "indices must be strictly ascending (\(rows[i - 1]) then \(r))")
            }
        }
        return (RowSelection(rows: rows), rows.count)
    }

    /// The kept masks among input masks `base..<base + count`, as indices from `base`
    /// (nil: all of them).
    /// - Complexity: O(log rows + the result) (binary search).
    func local(base: Int, count: Int) -> [Int]? {
        guard let rows else { return nil }
        var (lo, hi) = (0, rows.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid] < base { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        while lo < rows.count && rows[lo] < base + count {
            out.append(rows[lo] - base)
            lo += 1
        }
        return out
    }
}

extension MaskInputFile {
    /// `forEachChunk` restricted to the masks `selected` (ascending indices into this input;
    /// nil: all): `body(indices, bytes)` gets the input indices of the chunk's masks and their
    /// bytes, contiguous. A chunk whose masks are all kept is passed as read; otherwise the
    /// kept masks are copied together into one chunk-sized scratch buffer, and a chunk with
    /// none kept is skipped (after being read: streams cannot seek).
    /// - Complexity: O(input bytes) read, O(kept bytes) copied when partially selected.
    func forEachSelectedChunk(chunk: Int, selected: [Int]?,
                              _ body: ([Int], UnsafeRawBufferPointer) throws(StorageError) -> Void) throws(StorageError) {
        guard let selected else {
            try forEachChunk(chunk: chunk) { (first, k, bytes) throws(StorageError) in
                try body(Array(first..<(first + k)), bytes)
            }
            return
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunk * maskBytes), alignment: 64)
        defer { scratch.deallocate() }
        var next = 0
        try forEachChunk(chunk: chunk) { (first, k, bytes) throws(StorageError) in
            var picked: [Int] = []
            while next < selected.count && selected[next] < first + k {
                picked.append(selected[next])
                next += 1
            }
            if picked.isEmpty { return }
            if picked.count == k { return try body(picked, bytes) }
            for (i, m) in picked.enumerated() {
                let from = UnsafeRawBufferPointer(rebasing: bytes[((m - first) * maskBytes)..<((m - first + 1) * maskBytes)])
                UnsafeMutableRawBufferPointer(rebasing: scratch[(i * maskBytes)..<((i + 1) * maskBytes)]).copyMemory(from: from)
            }
            try body(picked, UnsafeRawBufferPointer(rebasing: scratch[0..<(picked.count * maskBytes)]))
        }
    }
}
