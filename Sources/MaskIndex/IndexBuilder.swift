import Foundation
import MaskFormat
import MaskStorage

/// `masksearch index DB [--bins B --cell C]`: builds the index entries of every mask not
/// yet indexed. With parameters other than the current index's, builds a complete new
/// index in new files and replaces the old one atomically (manifest swap); the old files
/// are removed afterwards.
///
/// Algorithm: per segment, the cores take groups of 32 unindexed masks in turn; each worker
/// decodes a group's masks, builds their CHIs (`CHIBuilder`) and stores the group
/// (`CHIFile.store`: consecutive masks column by column into pages populated up front);
/// then the validity bits are published (`CHIFile.publish`: under this boot's unsynced mark,
/// without waiting for the disk) and the manifest committed, all under the database lock.
/// - Complexity: O(total pixels), memory O(cores × 32 × entries per mask) (272 KB per core for
///   224×224 masks at 20 bins and cell 16).
public enum IndexBuilder {
    public struct Summary: Sendable {
        public var built: Int
        public var alreadyIndexed: Int
        public var parameters: Manifest.IndexParameters
        public var indexBytes: Int
        public var seconds: Double
        public var replacedParameters: Manifest.IndexParameters?
        /// Index files that could not be used (missing or damaged: the error), rebuilt in new files.
        public var replacedDamaged: [String] = []
    }

    public static func build(databasePath: String, bins: Int?, cell: Int?,
                             progress: ((Int, Int) -> Void)? = nil) throws(StorageError) -> Summary {
        let start = Date()
        if let bins, bins < 2 || bins > 256 {
            throw StorageError.invalidInput(file: databasePath, location: "--bins", reason: "bins must be in 2...256, not \(bins)")
        }
        if let cell, cell < 1 {
            throw StorageError.invalidInput(file: databasePath, location: "--cell", reason: "cell must be at least 1, not \(cell)")
        }
        let lock = try DatabaseLock(directory: databasePath)
        defer { lock.release() }
        let database = try Database(path: databasePath)
        var manifest = database.manifest
        lock.sweep(keeping: manifest)
        let current = manifest.index
        let wanted = Manifest.IndexParameters(bins: bins ?? current?.bins ?? IndexLayout.defaultBins,
                                              cell: cell ?? current?.cell ?? IndexLayout.defaultCell(height: database.height, width: database.width))
        let rebuild = current != nil && current != wanted
        let grid = CHIGrid(height: database.height, width: database.width, cell: wanted.cell, bins: wanted.bins, pixelFormat: database.pixelFormat)
        // Open or create one file per segment.
        var files: [CHIFile] = []
        var damaged: [String] = []
        for (i, seg) in manifest.segments.enumerated() {
            let reader = database.segments[i]
            if !rebuild, let name = seg.indexFile {
                // An index file is derived data: one that is missing or damaged is rebuilt in a
                // new file (the manifest swap replaces it; the sweep removes the old one).
                do throws(StorageError) {
                    files.append(try CHIFile(path: databasePath + "/" + name, segment: reader, writable: true))
                    continue
                } catch {
                    damaged.append("\(name): \(error)")
                }
            }
            let name = Manifest.fileName(prefix: "chi", number: manifest.nextFileNumber, ext: "chi")
            manifest.nextFileNumber += 1
            let header = IndexHeader(height: database.height, width: database.width, pixelFormat: database.pixelFormat,
                                     bins: wanted.bins, cell: wanted.cell, maskCount: reader.maskCount,
                                     segmentFooterCRC: reader.footerChecksum)
            try CHIFile.create(path: databasePath + "/" + name, directory: databasePath, header: header)
            files.append(try CHIFile(path: databasePath + "/" + name, segment: reader, writable: true))
            manifest.segments[i].indexFile = name
        }
        let todo = files.map { f in (0..<f.maskCount).filter { !f.isValid($0) } }
        let total = todo.reduce(0) { $0 + $1.count }
        let already = database.count - total
        let bytesPerMask = database.height * database.width * database.pixelFormat.bytesPerPixel
        let counter = Mutex(0)
        let failure = Mutex<StorageError?>(nil)
        for (s, masks) in todo.enumerated() where !masks.isEmpty {
            let file = files[s], reader = database.segments[s]
            let keys = grid.keyCount, width = file.header.entryWidth
            // The unit of work the cores take in turn, stored while its rows are still in L2
            // (32 rows of 8.5 KB for 224×224 masks at 20 bins and cell 16).
            let group = CHIFile.columnRunMinimum
            let groups = (masks.count + group - 1) / group
            // Most of the file gets written: map its pages at once rather than fault per page.
            if masks.count * 2 >= file.maskCount { file.populateForWriting(masks: masks.first!..<(masks.last! + 1)) }
            let nextGroup = Atomic(0)
            Parallel.run(workers: min(Parallel.coreCount, groups)) { _ in
                let builder = CHIBuilder(grid: file.grid)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytesPerMask, alignment: 64)
                defer { buffer.deallocate() }
                let entries = UnsafeMutableRawBufferPointer.allocate(byteCount: group * keys * width, alignment: 64)
                defer { entries.deallocate() }
                while failure.withLock({ $0 == nil }) {
                    let g = nextGroup.add(1, ordering: .relaxed).oldValue
                    guard g < groups else { return }
                    let part = (g * group)..<min(masks.count, (g + 1) * group)
                    for (j, m) in masks[part].enumerated() {
                        do throws(FormatError) {
                            try reader.readRows(mask: m, rows: 0..<database.height, into: buffer)
                        } catch {
                            failure.withLock { $0 = $0 ?? .corrupt(error) }
                            return
                        }
                        builder.build(codes: UnsafeRawBufferPointer(buffer))
                        builder.copyEntries(to: entries.baseAddress! + j * keys * width, width: width)
                    }
                    file.store(masks: Array(masks[part]), entries: UnsafeRawBufferPointer(entries))
                    counter.withLock { done in
                        done += part.count
                        if done % 1024 < part.count || done == total { progress?(done, total) }
                    }
                }
            }
            if let e = failure.withLock({ $0 }) { throw e }
            try file.publish(masks)
        }
        manifest.index = wanted
        try lock.commit(manifest)
        lock.sweep(keeping: manifest)
        let bytes = files.reduce(0) { $0 + $1.header.fileSize }
        return Summary(built: total, alreadyIndexed: rebuild ? 0 : already, parameters: wanted, indexBytes: bytes,
                       seconds: Date().timeIntervalSince(start), replacedParameters: rebuild ? current : nil,
                       replacedDamaged: damaged)
    }
}

import Synchronization
