import Foundation

/// The page's files (Sources/MaskServer/Web, shipped as the target's resource bundle), read
/// into memory once at start and served from there: `/` is `index.html`, `/static/NAME` any
/// other file. Names are looked up in a table, never joined into a file path.
public struct StaticFiles: Sendable {
    /// Path relative to Web/ → contents.
    let files: [String: [UInt8]]

    /// Loads every file under the first Web folder found: beside the executable (the resource
    /// bundle SwiftPM copies there), then the source tree (a binary run from its build folder).
    public init(folder: String? = nil) {
        let candidates = folder.map { [$0] } ?? StaticFiles.candidateFolders()
        var files: [String: [UInt8]] = [:]
        for dir in candidates where ContainedFolder.isDirectory(dir) {
            files = StaticFiles.load(dir)
            if !files.isEmpty { break }
        }
        self.files = files
    }

    /// The given files (path relative to Web/ → contents), for tests.
    public init(files: [String: [UInt8]]) { self.files = files }

    static func candidateFolders() -> [String] {
        let bundle = "masksearch_MaskServer.resources/Web"
        var dirs: [String] = []
        if let exe = ContainedFolder.realPath("/proc/self/exe") {
            dirs.append((exe as NSString).deletingLastPathComponent + "/" + bundle)
        }
        dirs.append(Bundle.main.bundleURL.appendingPathComponent(bundle).path)
        dirs.append(((#filePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("Web"))
        return dirs
    }

    private static func load(_ dir: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return files }
        while let name = walker.nextObject() as? String {
            let path = dir + "/" + name
            guard !name.hasPrefix("."), !name.contains("/."), !ContainedFolder.isDirectory(path),
                  let data = FileManager.default.contents(atPath: path) else { continue }
            files[name] = Array(data)
        }
        return files
    }

    /// The page, or a short note when the binary was built without it.
    var indexPage: [UInt8] {
        files["index.html"] ?? Array("""
            <!doctype html><html><head><meta charset="utf-8"><title>masksearch</title></head>
            <body><p>masksearch: this build has no page (Sources/MaskServer/Web); the API is under /api/.</p></body></html>

            """.utf8)
    }
}
