import MaskFormat
import MaskStorage

/// Bounds on CP over a named ROI set from its ROI histogram files (`ROIHistogramFile`,
/// Format/roi-histograms.md): exact at bin edges, independent of the grid, two columns read
/// for every mask — used before the CHI's per-row grid bounds, which remain for the segments
/// without a usable file.
extension DatabaseIndex {
    /// The ROI histogram files of set `name` by segment (nil where the manifest names none or
    /// the file does not open: damaged, or built for another segment or ROI set file — listed
    /// in `unusableHistogramFiles`), opened the first time and kept.
    public func roiHistograms(named name: String) -> [ROIHistogramFile?] {
        histogramFiles.withLock { cache in
            if let files = cache[name] { return files }
            let entry = database.manifest.roiSets.first { $0.name == name }
            let files = database.manifest.segments.enumerated().map { s, segment -> ROIHistogramFile? in
                guard let file = entry?.histogramFile(for: segment.file) else { return nil }
                do throws(StorageError) {
                    return try ROIHistogramFile(database: database, name: file, set: name, segment: s)
                } catch {
                    damagedHistograms.withLock { $0.append("\(file): \(error)") }
                    return nil
                }
            }
            cache[name] = files
            return files
        }
    }

    /// Bounds of `rows[i]` (ascending) over its box of named ROI set `roiSet` (clipped, area
    /// `area(i)` > 0, asked only for rows of segments with a file) for `codes`, from the set's histogram files; `lower[i] == -1` where the
    /// row's segment has no usable file (or a column of it is damaged: listed in
    /// `unusableHistogramFiles`). nil when no segment has one.
    /// - Complexity: O(rows); reads at most four columns of each file involved.
    public func roiHistogramBounds(roiSet: String, rows: [Int], codes: CodeInterval, area: (Int) -> Int) -> (lower: [Int32], upper: [Int32])? {
        let files = roiHistograms(named: roiSet)
        guard files.contains(where: { $0 != nil }) else { return nil }
        var lower = [Int32](repeating: -1, count: rows.count), upper = [Int32](repeating: 0, count: rows.count)
        var start = 0
        while start < rows.count {
            let s = database.locate(row: rows[start]).segment
            let first = database.segmentStarts[s], limit = first + database.segments[s].maskCount
            var end = start + 1
            while end < rows.count && rows[end] < limit { end += 1 }
            if let file = files[s] {
                let ok = lower.withUnsafeMutableBufferPointer { lo in
                    upper.withUnsafeMutableBufferPointer { hi in
                        file.bounds(masks: rows[start..<end].lazy.map { $0 - first }, areas: (start..<end).lazy.map(area), codes: codes,
                                    lower: UnsafeMutableBufferPointer(rebasing: lo[start..<end]),
                                    upper: UnsafeMutableBufferPointer(rebasing: hi[start..<end]))
                    }
                }
                if !ok {
                    for i in start..<end { lower[i] = -1 }
                    let name = file.file.path.split(separator: "/").last.map(String.init) ?? file.file.path
                    damagedHistograms.withLock { list in
                        if !list.contains(where: { $0.hasPrefix(name + ":") }) { list.append("\(name): a column's checksum does not match") }
                    }
                }
            }
            start = end
        }
        return (lower, upper)
    }
}
