#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage

/// Creating index files (Format/index.md, write protocol step 1): each at its full size with
/// the blocks of everything but the delta records reserved (`CHIFile.create`: nothing is ever
/// stored through the mapping into a block that is not reserved, which would raise SIGBUS on a
/// full disk; the records are written with `pwrite`), headers written and synced, then named by the manifest in one commit. On any failure the files this call
/// created and the manifest does not name are removed: the database is as before.
enum IndexFileCreation {
    /// Creates empty index files for the segments that have none, and commits them, under the
    /// database lock. Returns the index file of every segment of `database` (unchanged when
    /// another process built an index with other parameters meanwhile).
    /// `deltaCapacity(maskCount)`: the records of each new file's delta region (default
    /// `IndexLayout.defaultDeltaCapacity`).
    static func createMissingFiles(database: Database, parameters: Manifest.IndexParameters,
                                   deltaCapacity: ((Int) -> Int)? = nil) throws(StorageError) -> [String?] {
        let lock = try DatabaseLock(directory: database.path)
        defer { lock.release() }
        var manifest = try Database.readManifest(database.path)
        guard manifest.index == nil || manifest.index == parameters else {
            return database.manifest.segments.map(\.indexFile)
        }
        manifest.index = parameters
        var created: [String] = []
        do throws(StorageError) {
            for i in manifest.segments.indices where manifest.segments[i].indexFile == nil {
                guard let s = database.segments.first(where: { $0.path == database.path + "/" + manifest.segments[i].file }) else { continue }
                let name = Manifest.fileName(prefix: "chi", number: manifest.nextFileNumber, ext: "chi")
                manifest.nextFileNumber += 1
                created.append(name)
                try create(database: database, name: name, segment: s, parameters: parameters,
                           deltaCapacity: deltaCapacity?(s.maskCount))
                manifest.segments[i].indexFile = name
            }
            try lock.commit(manifest)
        } catch {
            removeUnreferenced(created, in: database.path)
            throw error
        }
        let byFile = Dictionary(manifest.segments.map { ($0.file, $0.indexFile) }, uniquingKeysWith: { a, _ in a })
        return database.manifest.segments.map { byFile[$0.file] ?? nil }
    }

    /// Creates the empty index file `name` of `segment` (no mask valid, delta region empty).
    static func create(database: Database, name: String, segment: SegmentReader,
                       parameters: Manifest.IndexParameters, deltaCapacity: Int? = nil) throws(StorageError) {
        let header = IndexHeader(height: database.height, width: database.width, pixelFormat: database.pixelFormat,
                                 bins: parameters.bins, cell: parameters.cell, maskCount: segment.maskCount,
                                 segmentFooterCRC: segment.footerChecksum, deltaCapacity: deltaCapacity)
        try CHIFile.create(path: database.path + "/" + name, directory: database.path, header: header)
    }

    /// Removes those of `names` (files of `directory` this writer created) that the manifest on
    /// disk does not name — all of them unless a commit reached the disk before failing. The
    /// caller holds the database lock.
    static func removeUnreferenced(_ names: [String], in directory: String) {
        let named = Set((try? Database.readManifest(directory))?.segments.compactMap(\.indexFile) ?? [])
        for name in names where !named.contains(name) { unlink(directory + "/" + name) }
    }
}

extension DatabaseIndex {
    /// Creates (and commits) empty index files for the segments of `database` that have none,
    /// with the index parameters of its manifest (else the defaults) and delta regions of
    /// `deltaCapacity(maskCount)` records — what a query's first flush would create, with
    /// another capacity (tests use it to make regions that fill and merge). Returns the index
    /// file of every segment.
    public static func createEmptyFiles(database: Database, deltaCapacity: @escaping (Int) -> Int) throws(StorageError) -> [String?] {
        let parameters = database.manifest.index ?? .defaults(height: database.height, width: database.width)
        return try IndexFileCreation.createMissingFiles(database: database, parameters: parameters, deltaCapacity: deltaCapacity)
    }
}
