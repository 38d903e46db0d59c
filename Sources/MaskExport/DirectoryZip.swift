import Foundation
import ZIPFoundation

/// Zip archives of export directories, through ZIPFoundation (entries deflated, paths
/// relative to the directory, sorted).
public enum DirectoryZip {
    /// Writes the zip of every file under `directory` to `file` (which must not exist).
    ///
    /// - Throws: `.io` when a file cannot be read or the archive written; no partial
    ///   archive is left behind.
    public static func write(directory: String, to file: String) throws(ExportError) {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        let what = "zipping \(root.path)"
        do {
            let archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .create)
            for relative in try files(under: root) {
                try archive.addEntry(with: relative, relativeTo: root, compressionMethod: .deflate)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: file)
            throw ExportError(.io, what: what, why: "\(error)")
        }
    }

    /// The zip of every file under `directory`, as bytes.
    public static func bytes(of directory: String) throws(ExportError) -> [UInt8] {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("masksearch-zip-\(UUID().uuidString).zip").path
        try write(directory: directory, to: file)
        defer { try? FileManager.default.removeItem(atPath: file) }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ExportError(.io, what: "zipping \(directory)", why: "cannot read back \(file)")
        }
        return [UInt8](data)
    }

    /// Paths of the regular files under `root`, relative to it, sorted.
    static func files(under root: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else {
            throw ExportError(.io, what: "zipping \(root.path)", why: "cannot list the directory")
        }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                result.append(relative)
            }
        }
        return result.sorted()
    }
}
