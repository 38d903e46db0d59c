import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a directory all at once: files go to a hidden sibling (`.<name>.partial-<pid>-<n>`),
/// which `commit` renames onto the target. The target must be missing or an empty directory
/// (rename(2) replaces an empty directory atomically); on any failure the sibling is removed,
/// so no partial target is ever visible and nothing is left elsewhere.
struct StagingDirectory {
    let target: URL
    let staging: URL

    /// Checks the target and creates the staging sibling.
    ///
    /// - Throws: `.invalidArgument` when the target exists and is not an empty directory;
    ///   `.io` when the staging directory cannot be created.
    init(target path: String) throws(ExportError) {
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let what = "writing \(target.path)"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ExportError(.invalidArgument, what: what, why: "it exists and is not a directory") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? ["?"]
            guard entries.isEmpty else { throw ExportError(.invalidArgument, what: what, why: "the directory is not empty") }
        }
        let parent = target.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ExportError(.io, what: what, why: "cannot create \(staging.path): \(error.localizedDescription)")
        }
        self.target = target
        self.staging = staging
    }

    /// Creates `relative` (a subdirectory) in the staging directory.
    func makeDirectory(_ relative: String) throws(ExportError) {
        do {
            try FileManager.default.createDirectory(at: staging.appendingPathComponent(relative), withIntermediateDirectories: true)
        } catch {
            throw ExportError(.io, what: "writing \(target.path)/\(relative)", why: error.localizedDescription)
        }
    }

    /// Writes `bytes` as `relative` in the staging directory.
    func write(_ bytes: [UInt8], to relative: String) throws(ExportError) {
        do {
            try Data(bytes).write(to: staging.appendingPathComponent(relative))
        } catch {
            throw ExportError(.io, what: "writing \(target.path)/\(relative)", why: error.localizedDescription)
        }
    }

    /// Renames the staging directory onto the target.
    func commit() throws(ExportError) {
        guard rename(staging.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw ExportError(.io, what: "writing \(target.path)", why: "cannot rename the staged directory into place: \(reason)")
        }
    }

    /// Removes the staging directory and everything in it.
    func discard() {
        try? FileManager.default.removeItem(at: staging)
    }

    /// Runs `body` to fill the staging directory, then commits; discards on any failure.
    static func write(to path: String, _ body: (StagingDirectory) throws(ExportError) -> Void) throws(ExportError) {
        let directory = try StagingDirectory(target: path)
        do throws(ExportError) {
            try body(directory)
        } catch {
            directory.discard()
            throw error
        }
        try directory.commit()
    }
}
