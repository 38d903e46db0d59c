import MaskImaging

/// What `ResultExport.export` writes besides `result.csv` (CONTRACT.md section 7).
public struct ExportRequest: Sendable {
    /// How each result mask is written under `masks/`.
    public enum MaskFiles: String, Sendable, CaseIterable {
        /// `masks/<mask_id>.npy`: (H, W) in the stored dtype, the stored bytes exactly.
        case npy
        /// `masks/<mask_id>.png`: 8-bit grey, value v as round(v · 255).
        case png
    }

    /// The masks to write, or nil for none.
    public var masks: MaskFiles?
    /// Writes `overlays/<mask_id>.png`: the mask colour-mapped over its image (or alone when the
    /// image is missing), with the box of `roiSet` outlined when it has one.
    public var overlays: Bool
    /// Copies `images/<image_id>.<ext>` from the image folder, as stored.
    public var images: Bool
    /// The overlays' colour map, opacity and range (its `box` is replaced per mask).
    public var overlayStyle: OverlayStyle
    /// The ROI set whose box overlays outline; nil or a missing set draws none.
    public var roiSet: String?

    public init(masks: MaskFiles? = nil, overlays: Bool = false, images: Bool = false,
                overlayStyle: OverlayStyle = OverlayStyle(), roiSet: String? = "object") {
        self.masks = masks
        self.overlays = overlays
        self.images = images
        self.overlayStyle = overlayStyle
        self.roiSet = roiSet
    }
}
