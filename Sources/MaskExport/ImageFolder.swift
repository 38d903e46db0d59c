import Foundation

/// The image folder of a dataset: one file per image_id, `<image_id>.png` or `<image_id>.jpg`
/// (also `.jpeg`), as `generate` writes and `ingest --images` records.
public struct ImageFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The extensions tried, in order.
    public static let extensions = ["png", "jpg", "jpeg"]

    /// The path of `imageID`'s file, or nil when there is none. Only regular files directly
    /// in the folder count (the name is built from an integer, so it cannot leave the folder).
    public func file(imageID: Int64) -> String? {
        for ext in Self.extensions {
            let candidate = path + "/\(imageID).\(ext)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
        }
        return nil
    }
}
