import MaskFormat
import MaskIndex

/// The database index explains a mask's bounds from the entries of its segment's index file.
extension DatabaseIndex: BoundsExplaining {
    /// nil when the mask's segment has no index file or the mask no valid entry.
    /// - Complexity: O(cells of the outer rectangle) entry loads.
    public func explainBounds(row: Int, box: PixelBox, codes: CodeInterval) -> CHIBoundsView? {
        let (s, local) = database.locate(row: row)
        guard let file = files[s], file.isValid(local) else { return nil }
        return CHIBoundsView(grid: file.grid, box: box, codes: codes) { file.entry(key: $0, mask: local) }
    }
}
