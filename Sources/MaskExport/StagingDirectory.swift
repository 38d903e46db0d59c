import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a directory all at once: files go to a hidden sibling (`.<name>.partial-<pid>-<n>`),
/// which `commit` renames onto the target. The target must be missing or an empty directory
/// (rename(2) replaces an empty directory atomically); on any failure the sibling is removed,
/// so no partial target is ever visible and nothing is left elsewhere (a killed writer's sibling
/// is removed by the next writer into the same folder).
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
        Self.sweepAbandoned(in: parent)
        self.target = target
        self.staging = staging
    }

    /// Removes the staging siblings of killed writers from `parent`: `.<name>.partial-<pid>-<n>`
    /// whose process no longer exists (a live process with that pid keeps its directory).
    /// O(entries of `parent`).
    static func sweepAbandoned(in parent: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".partial-", options: .backwards) else { continue }
            let fields = name[marker.upperBound...].split(separator: "-")
            guard fields.count == 2, UInt32(fields[1]) != nil, let pid = Int32(fields[0]), pid > 0, pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
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

    /// Renames the staging directory onto the target, durably: the files are already synced
    /// (`Data.write` fsyncs each), so every staged directory is fsynced before the rename (else a
    /// power cut could leave the target named with entries missing), then the parent after it
    /// and the parent's parent (which names a parent just created). O(files + directories).
    func commit() throws(ExportError) {
        let what = "writing \(target.path)"
        for directory in stagedDirectories() where !Self.fsync(directory) {
            let reason = String(cString: strerror(errno))
            discard()
            throw ExportError(.io, what: what, why: "cannot fsync \(directory): \(reason)")
        }
        guard rename(staging.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw ExportError(.io, what: what, why: "cannot rename the staged directory into place: \(reason)")
        }
        let parent = target.deletingLastPathComponent()
        guard Self.fsync(parent.path), Self.fsync(parent.deletingLastPathComponent().path) else {
            throw ExportError(.io, what: what, why: "cannot fsync the directory holding it: \(String(cString: strerror(errno)))")
        }
    }

    /// The staging directory and every directory under it.
    func stagedDirectories() -> [String] {
        var result = [staging.path]
        let e = FileManager.default.enumerator(atPath: staging.path)
        while let relative = e?.nextObject() as? String {
            if (e?.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { result.append(staging.path + "/" + relative) }
        }
        return result
    }

    /// fsyncs the file or directory at `path`; false (errno set) on failure.
    static func fsync(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return Glibc.fsync(fd) == 0
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
