import MaskFormat
import MaskIndex

/// The database index explains a mask's bounds from the entries of its segment's index file.
extension DatabaseIndex: BoundsExplaining {
    /// nil when the mask's segment has no index file or the mask no entries (in the key columns
    /// or the delta region: `CHIFile.indexedEntries`).
    /// - Complexity: O(keys) entry loads.
    public func explainBounds(row: Int, box: PixelBox, codes: CodeInterval) -> CHIBoundsView? {
        let (s, local) = database.locate(row: row)
        guard let file = files[s], let entries = file.indexedEntries(mask: local) else { return nil }
        return CHIBoundsView(grid: file.grid, box: box, codes: codes) { entries[$0] }
    }
}
