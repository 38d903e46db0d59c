import Foundation
import MaskFormat
import MaskStorage
import Synchronization

/// `masksearch index DB [--bins B --cell C]`: builds the index entries of every mask not
/// yet indexed in the key columns (masks held only by a delta region included, after which the
/// region is emptied). With parameters other than the current index's, builds a complete new
/// index in new files and replaces the old one atomically (manifest swap); the old files
/// are removed afterwards. On failure (a full disk included) the files this run created are
/// removed and the manifest is unchanged.
///
/// Algorithm: per segment, the cores take groups of 32 unindexed masks in turn; each worker
/// decodes a group's masks, builds their CHIs (`CHIBuilder`) and stores the group
/// (`CHIFile.store`: consecutive masks column by column into pages populated up front);
/// then the validity bits are published (`CHIFile.publish`: under this boot's unsynced mark,
/// without waiting for the disk); the ROI histogram files missing for a named ROI set and a
/// segment are built (`ROIHistogramBuilder`), and the manifest committed, all under the
/// database lock.
/// - Complexity: O(total pixels), memory O(cores × 32 × entries per mask) (272 KB per core for
///   224×224 masks at 20 bins and cell 16), and a resident set of mapped pages of
///   O(`windowMasks`) masks' entries and compressed masks.
public enum IndexBuilder {
    public struct Summary: Sendable {
        public var built: Int
        public var alreadyIndexed: Int
        public var parameters: Manifest.IndexParameters
        /// Bytes of the index files without their delta records (version 4: sparse, empty
        /// after a build), as `du` reports them.
        public var indexBytes: Int
        public var seconds: Double
        public var replacedParameters: Manifest.IndexParameters?
        /// Index files that could not be used (missing or damaged: the error), rebuilt in new files.
        public var replacedDamaged: [String] = []
        /// ROI histogram files built (one per named ROI set and segment that had none usable).
        public var roiHistogramFiles = 0
    }

    public static func build(databasePath: String, bins: Int?, cell: Int?,
                             progress: ((Int, Int) -> Void)? = nil) throws(StorageError) -> Summary {
        let start = Date()
        try checkParameters(databasePath: databasePath, bins: bins, cell: cell)
        let lock = try DatabaseLock(directory: databasePath)
        defer { lock.release() }
        let database = try Database(path: databasePath)
        var manifest = database.manifest
        lock.sweep(keeping: manifest)
        let current = manifest.index
        let wanted = Manifest.IndexParameters(bins: bins ?? current?.bins ?? IndexLayout.defaultBins,
                                              cell: cell ?? current?.cell ?? IndexLayout.defaultCell(height: database.height, width: database.width))
        let rebuild = current != nil && current != wanted
        var created: [String] = []
        let files: [CHIFile], damaged: [String], built: Int, histograms: Int
        do throws(StorageError) {
            (files, damaged) = try openOrCreateFiles(database: database, manifest: &manifest, parameters: wanted,
                                                     rebuild: rebuild, created: &created)
            built = try buildMissingEntries(database: database, files: files, progress: progress)
            histograms = try ROIHistogramBuilder.buildMissing(database: database, manifest: &manifest, bins: wanted.bins, created: &created)
            manifest.index = wanted
            try lock.commit(manifest)
        } catch {
            IndexFileCreation.removeUnreferenced(created, in: databasePath)
            throw error
        }
        lock.sweep(keeping: manifest)
        return Summary(built: built, alreadyIndexed: rebuild ? 0 : database.count - built, parameters: wanted,
                       indexBytes: files.reduce(0) { $0 + $1.header.reservedSize }, seconds: Date().timeIntervalSince(start),
                       replacedParameters: rebuild ? current : nil, replacedDamaged: damaged, roiHistogramFiles: histograms)
    }

    /// Rejects bins outside 2...256 and cells below 1 (bad input, before any file is touched).
    private static func checkParameters(databasePath: String, bins: Int?, cell: Int?) throws(StorageError) {
        if let bins, bins < 2 || bins > 256 {
            throw StorageError.invalidInput(file: databasePath, location: "--bins", reason: "bins must be in 2...256, not \(bins)")
        }
        if let cell, cell < 1 {
            throw StorageError.invalidInput(file: databasePath, location: "--cell", reason: "cell must be at least 1, not \(cell)")
        }
    }

    /// Opens the index file of every segment, or creates a new one (named in `manifest`, its
    /// name appended to `created`) where there is none, it is missing or damaged, or `rebuild`.
    /// Returns the files and the damaged ones' errors.
    private static func openOrCreateFiles(database: Database, manifest: inout Manifest, parameters: Manifest.IndexParameters,
                                          rebuild: Bool, created: inout [String]) throws(StorageError) -> ([CHIFile], [String]) {
        var files: [CHIFile] = []
        var damaged: [String] = []
        for (i, seg) in manifest.segments.enumerated() {
            let reader = database.segments[i]
            if !rebuild, let name = seg.indexFile {
                // An index file is derived data: one that is missing or damaged is rebuilt in a
                // new file (the manifest swap replaces it; the sweep removes the old one).
                do throws(StorageError) {
                    files.append(try CHIFile(path: database.path + "/" + name, segment: reader, writable: true))
                    continue
                } catch {
                    damaged.append("\(name): \(error)")
                }
            }
            let name = Manifest.fileName(prefix: "chi", number: manifest.nextFileNumber, ext: "chi")
            manifest.nextFileNumber += 1
            created.append(name)
            try IndexFileCreation.create(database: database, name: name, segment: reader, parameters: parameters)
            files.append(try CHIFile(path: database.path + "/" + name, segment: reader, writable: true))
            manifest.segments[i].indexFile = name
        }
        return (files, damaged)
    }

    /// Builds and publishes the entries of every mask not valid in the key columns of its file,
    /// then empties the files' delta regions. Returns the number of masks built.
    private static func buildMissingEntries(database: Database, files: [CHIFile],
                                            progress: ((Int, Int) -> Void)?) throws(StorageError) -> Int {
        let todo = files.map { f in (0..<f.maskCount).filter { !f.isValid($0) } }
        let total = todo.reduce(0) { $0 + $1.count }
        let counter = Mutex(0)
        for (s, masks) in todo.enumerated() {
            let file = files[s]
            if !masks.isEmpty {
                try buildSegment(file: file, reader: database.segments[s], masks: masks) { n in
                    counter.withLock { done in
                        done += n
                        if done % 1024 < n || done == total { progress?(done, total) }
                    }
                }
                try file.publish(masks)
            }
            if let delta = file.delta, delta.storedCount != 0 { try file.clearDelta() }
        }
        return total
    }

    /// Masks built between two releases of the mapped pages (`buildSegment`): at 224×224, 20
    /// bins and cell 16, about 280 MB of index entries and 360 MB of compressed masks.
    static let windowMasks = 1 << 15

    /// Builds and stores the entries of `masks` of one segment (not yet published), in
    /// windows of `windowMasks` masks: each window's index pages are populated for writing
    /// first when the window stores most of its range, and after it the pages of the
    /// segment and of the index this process mapped are released (`releasePages`; the stores
    /// stay in the page cache), so the resident set stays O(window) however large the
    /// segment — a 1.33 M-mask build would otherwise map its whole 10 GB index and 15 GB segment.
    private static func buildSegment(file: CHIFile, reader: SegmentReader, masks: [Int],
                                     done: (Int) -> Void) throws(StorageError) {
        var start = 0
        while start < masks.count {
            let window = Array(masks[start..<min(masks.count, start + windowMasks)])
            let range = window.first!..<(window.last! + 1)
            // Most of the window gets written: map its pages at once rather than fault per page.
            if window.count * 2 >= range.count { file.populateForWriting(masks: range) }
            try buildWindow(file: file, reader: reader, masks: window, done: done)
            file.releasePages(masks: range)
            reader.file.releasePages(offset: 0, length: reader.file.count)
            start += window.count
        }
    }

    /// Builds and stores the entries of `masks` of one window: the cores take groups of
    /// `CHIFile.columnRunMinimum` masks in turn (stored while their rows are still in L2: 32
    /// rows of 8.5 KB for 224×224 masks at 20 bins and cell 16), calling `done` with each
    /// group's size.
    private static func buildWindow(file: CHIFile, reader: SegmentReader, masks: [Int],
                                    done: (Int) -> Void) throws(StorageError) {
        let group = CHIFile.columnRunMinimum
        do throws(FormatError) {
            try Parallel.takeChunks(count: masks.count, chunk: group, state: { GroupBuilder(file: file, reader: reader, group: group) }) {
                range, worker throws(FormatError) in
                try worker.buildAndStore(Array(masks[range]))
                done(range.count)
            }
        } catch {
            throw .corrupt(error)
        }
    }
}

/// One worker's buffers for `IndexBuilder`: a decoded mask and a group's entries.
private final class GroupBuilder {
    let file: CHIFile
    let reader: SegmentReader
    let builder: CHIBuilder
    let pixels: UnsafeMutableRawBufferPointer
    let entries: UnsafeMutableRawBufferPointer

    init(file: CHIFile, reader: SegmentReader, group: Int) {
        self.file = file
        self.reader = reader
        builder = CHIBuilder(grid: file.grid)
        let h = file.header
        pixels = .allocate(byteCount: h.height * h.width * h.pixelFormat.bytesPerPixel, alignment: 64)
        entries = .allocate(byteCount: group * h.keyCount * h.entryWidth, alignment: 64)
    }

    deinit {
        pixels.deallocate()
        entries.deallocate()
    }

    /// Decodes `masks`, builds their entries and stores them into the key columns.
    func buildAndStore(_ masks: [Int]) throws(FormatError) {
        let h = file.header, rowBytes = h.keyCount * h.entryWidth
        for (j, m) in masks.enumerated() {
            try reader.readRows(mask: m, rows: 0..<h.height, into: pixels)
            builder.build(codes: UnsafeRawBufferPointer(pixels))
            builder.copyEntries(to: entries.baseAddress! + j * rowBytes, width: h.entryWidth)
        }
        file.store(masks: masks, entries: UnsafeRawBufferPointer(entries))
    }
}
