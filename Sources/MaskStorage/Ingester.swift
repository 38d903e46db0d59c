import MaskFormat
#if canImport(Glibc)
import Glibc
#endif

/// `masksearch ingest` (CONTRACT.md section 4): appends masks and their metadata to a
/// database, creating it when missing. Masks come from files, from memory read in place
/// (the C ABI) or from an `.npy` stream (`IngestSource`); `Options.rowSelection` keeps a
/// subset of them (a shard's).
///
/// Algorithm: (1) resolve every input's header and check shapes, the metadata row count
/// and mask ids (duplicates within the input and against the database) before reading any
/// pixel; (2) stream the pixels in chunks through `PixelEncoder` (checks, conversion) into
/// one new segment written under a temporary name; (3) rename it, then replace the
/// manifest atomically. Any error, or a kill at any point, leaves the database as it was:
/// the new segment only exists for readers once the manifest names it. Peak memory is
/// O(chunk + metadata), independent of the input size.
public enum Ingester {
    public struct Options: Sendable {
        /// The metadata CSV (`--meta`): a file, or text in memory; read by the same code.
        public var meta: CSVSource?
        /// `meta` as a file path (nil when the metadata is text or absent).
        public var metaPath: String? {
            get { if case .path(let p) = meta { return p } else { return nil } }
            set { meta = newValue.map { .path($0) } }
        }
        /// Ingest only these masks: strictly ascending indices into the concatenated input
        /// masks; the metadata (one row per input mask) is selected alike. nil: every mask.
        public var rowSelection: [Int]?
        public var pixelFormat: PixelFormat?
        public var clip = false
        public var raw: MaskInputFile.RawLayout?
        public var bandRows = SegmentLayout.defaultBandRows
        /// Entries per piece of the segment's block directory (each piece has its own CRC).
        public var blocksPerPiece = SegmentLayout.defaultBlocksPerPiece
        /// Masks per chunk read and compressed at once.
        public var chunkMasks = 256
        /// The extra metadata columns (names and types) a *new* database takes instead of
        /// inferring them from its metadata: a sharded ingest gives every new shard the types of
        /// the whole ingest (or of the existing shards). Ignored when the database exists.
        public var extraColumns: [ColumnDescriptor]?
        public init() {}
    }

    public struct Summary: Sendable {
        public var masks: Int
        public var segmentFile: String
        public var rawBytes: Int
        public var storedBytes: Int
        public var createdDatabase: Bool
    }

    /// Ingests the files, directories or raw dumps `inputs` into the database at `directory`.
    /// - Parameter progress: called with (masks done, masks total) after each chunk.
    public static func ingest(into directory: String, inputs: [String], options: Options,
                              progress: ((Int, Int) -> Void)? = nil) throws(StorageError) -> Summary {
        try ingest(into: directory, sources: inputs.map { .path($0) }, options: options, progress: progress)
    }

    /// Ingests `sources` (files, buffers in memory, an `.npy` stream) into the database at
    /// `directory`, in order.
    /// - Parameter progress: called with (masks done, masks total) after each chunk.
    public static func ingest(into directory: String, sources: [IngestSource], options: Options,
                              progress: ((Int, Int) -> Void)? = nil) throws(StorageError) -> Summary {
        let existed = try DatabaseDirectory.state(of: directory) != .missing
        // Check everything that can be checked without the database first.
        let (files, selection, total) = try checkedInputs(sources, directory: directory, options: options)
        let (height, width) = (files[0].height, files[0].width)

        var createdDirectory = false
        if !existed {
            try SystemCalls.mkdir(directory)
            createdDirectory = true
        }
        let lock: DatabaseLock
        do throws(StorageError) {
            lock = try DatabaseLock(directory: directory)
        } catch {
            if createdDirectory { rmdir(directory) }
            throw error
        }
        func undoCreation() {
            lock.release()
            if !Database.exists(at: directory) {
                SystemCalls.unlink(directory + "/" + DatabaseLock.fileName)
                if createdDirectory { rmdir(directory) }
            }
        }
        do throws(StorageError) {
            let summary = try ingestLocked(directory: directory, files: files, selection: selection, total: total,
                                           height: height, width: width, options: options, lock: lock, progress: progress)
            lock.release()
            return Summary(masks: summary.masks, segmentFile: summary.segmentFile, rawBytes: summary.rawBytes,
                           storedBytes: summary.storedBytes, createdDatabase: !existed || summary.createdDatabase)
        } catch {
            undoCreation()
            throw error
        }
    }

    /// Resolves the sources (headers only) and checks what needs no database: band rows, at
    /// least one mask, one shape, the row selection. Returns the inputs, the selection and
    /// the number of masks to store.
    private static func checkedInputs(_ sources: [IngestSource], directory: String,
                                      options: Options) throws(StorageError) -> ([MaskInputFile], RowSelection, Int) {
        guard (1...Int(UInt16.max)).contains(options.bandRows) else {
            throw StorageError.invalidInput(file: directory, location: "band rows", reason: "must be in 1...65535, not \(options.bandRows)")
        }
        guard (1...Int(UInt32.max)).contains(options.blocksPerPiece) else {
            throw StorageError.invalidInput(file: directory, location: "blocks per piece",
                                            reason: "must be in 1...\(UInt32.max), not \(options.blocksPerPiece)")
        }
        guard !sources.isEmpty else {
            throw StorageError.invalidInput(file: directory, location: "", reason: "no input files given")
        }
        let files = try MaskInputFile.resolve(sources, raw: options.raw)
        let inputTotal = files.reduce(0) { $0 + $1.count }
        guard inputTotal > 0 else {
            throw StorageError.invalidInput(file: files.map(\.path).joined(separator: ", "), location: "", reason: "empty input: no masks")
        }
        let (height, width) = (files[0].height, files[0].width)
        for f in files where f.height != height || f.width != width {
            throw StorageError.invalidInput(file: f.path, location: "shape",
                                            reason: "masks are \(f.height)x\(f.width), but \(files[0].path) has \(height)x\(width)")
        }
        let (selection, total) = try RowSelection.checked(options.rowSelection, inputTotal: inputTotal, source: files[0].path)
        try checkMetadataFits(total, source: files[0].path)
        return (files, selection, total)
    }

    /// Bytes of memory an ingest holds per mask while it runs: the four builtin columns
    /// (8 bytes each), their validity (1 each) and the duplicate check of the new mask ids
    /// (a hash set, ~24 bytes an entry), rounded up.
    static let metadataBytesPerMask = 64

    /// Refuses an ingest whose per-mask metadata alone would need more than a quarter of the
    /// machine's physical memory. A file's mask count is checked against its size, but a
    /// stream (`-`) only declares its count: a forged header declaring billions of masks would
    /// otherwise abort the process allocating their metadata before a pixel is read.
    /// - Complexity: O(1).
    static func checkMetadataFits(_ total: Int, source: String) throws(StorageError) {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) &* Int(sysconf(Int32(_SC_PAGESIZE)))
        let limit = max(physical / 4, 1 << 30)
        let (needed, overflow) = total.multipliedReportingOverflow(by: metadataBytesPerMask)
        guard overflow || needed > limit else { return }
        throw StorageError.invalidInput(
            file: source, location: "mask count",
            reason: "\(total) masks in one ingest: their metadata needs about \(overflow ? "more than 2^63" : "\(needed >> 20)") MB, more than a quarter of this machine's memory (\(limit >> 20) MB); ingest them in parts")
    }

    /// The ingest itself, under the database's lock: checks against the database, metadata
    /// columns, then the new segment and the manifest that names it.
    private static func ingestLocked(directory: String, files: [MaskInputFile], selection: RowSelection, total: Int,
                                     height: Int, width: Int, options: Options, lock: DatabaseLock,
                                     progress: ((Int, Int) -> Void)?) throws(StorageError) -> Summary {
        let current: Database? = Database.exists(at: directory) ? try Database(path: directory) : nil
        lock.sweep(keeping: current?.manifest)
        let format = try pixelFormat(current, files: files, height: height, width: width, options: options, directory: directory)
        let columns = try metadataColumns(current, files: files, selection: selection, total: total, options: options)
        var manifest = current?.manifest ?? Manifest(
            height: height, width: width, pixelFormat: format.description, bandRows: min(options.bandRows, height),
            extraColumns: columns.dropFirst(4).map { Manifest.Column(name: $0.name, type: $0.data.type.description) },
            segments: [], roiSets: [], index: nil, nextFileNumber: 1)
        let name = Manifest.fileName(prefix: "seg", number: manifest.nextFileNumber, ext: "mss")
        manifest.segments.append(Manifest.Segment(file: name, maskCount: total, indexFile: nil))
        manifest.nextFileNumber += 1
        let next = manifest
        let writer = try writeSegment(name, in: directory, files: files, selection: selection, total: total, format: format,
                                      bandRows: manifest.bandRows, columns: columns, options: options, progress: progress) {
            () throws(StorageError) in try lock.commit(next)
        }
        return Summary(masks: total, segmentFile: name, rawBytes: writer.rawBytes, storedBytes: writer.storedBytes,
                       createdDatabase: current == nil)
    }

    /// The pixel format of the new segment: the database's (which the input shape and any
    /// requested `--dtype` must fit), or for a new database the requested one, else uint8 when
    /// every input is uint8, else float32.
    private static func pixelFormat(_ current: Database?, files: [MaskInputFile], height: Int, width: Int,
                                    options: Options, directory: String) throws(StorageError) -> PixelFormat {
        guard let db = current else {
            return options.pixelFormat ?? (files.allSatisfy { $0.elementType == .uint8 } ? .uint8 : .float32)
        }
        if db.height != height || db.width != width {
            throw StorageError.invalidInput(file: files[0].path, location: "shape",
                                            reason: "masks are \(height)x\(width), but the database holds \(db.height)x\(db.width) masks")
        }
        if let requested = options.pixelFormat, requested != db.pixelFormat {
            throw StorageError.invalidInput(file: directory, location: "--dtype",
                                            reason: "the database stores \(db.pixelFormat); it cannot take \(requested) masks")
        }
        return db.pixelFormat
    }

    /// The new segment's metadata columns: the builtins (from `--meta`, or fresh mask ids after
    /// the database's largest, image_id = mask_id, model_id and mask_type 0), then the extra
    /// columns (from `--meta`, or NULL in the database's extra columns).
    private static func metadataColumns(_ current: Database?, files: [MaskInputFile], selection: RowSelection, total: Int,
                                        options: Options) throws(StorageError) -> [(name: String, data: ColumnData)] {
        let existingExtras = current.map { Array($0.columns.dropFirst(4)) } ?? options.extraColumns
        var meta = try options.meta.map { (source) throws(StorageError) in
            try MetadataTable.load(source, existingExtras: existingExtras)
        }
        let inputTotal = files.reduce(0) { $0 + $1.count }
        if let m = meta, m.rowCount != inputTotal {
            throw StorageError.invalidInput(file: options.meta?.name ?? "", location: "",
                                            reason: "\(m.rowCount) metadata rows for \(inputTotal) masks: they must match one to one, in input order")
        }
        if let rows = selection.rows { meta = meta?.selecting(rows) }
        let maskIDs = try newMaskIDs(current, given: meta?.maskIDs, total: total, source: options.meta?.name ?? files[0].path,
                                     lineOf: { i in (selection.rows?[i] ?? i) + 2 })
        func int64s(_ v: [Int64]?, default d: [Int64]) -> ColumnData {
            ColumnData(values: .int64(v ?? d), valid: Array(repeating: true, count: total))
        }
        let zeros = [Int64](repeating: 0, count: total)
        var columns: [(name: String, data: ColumnData)] = [
            ("mask_id", int64s(maskIDs, default: maskIDs)),
            ("image_id", int64s(meta?.imageIDs, default: maskIDs)),
            ("model_id", int64s(meta?.modelIDs, default: zeros)),
            ("mask_type", int64s(meta?.maskTypes, default: zeros)),
        ]
        if let meta {
            columns += meta.extras
        } else if let extras = existingExtras {
            for c in extras {
                var d = ColumnData(type: c.type)
                for _ in 0..<total { d.append(.null) }
                columns.append((c.name, d))
            }
        }
        return columns
    }

    /// The new masks' ids: `given` (from `--meta`), else the next `total` after the
    /// database's largest; checked for duplicates within themselves and against the database.
    /// - Complexity: O(database rows + total) expected (hash set).
    private static func newMaskIDs(_ current: Database?, given: [Int64]?, total: Int, source: String,
                                   lineOf: (Int) -> Int) throws(StorageError) -> [Int64] {
        var existingIDs = Set<Int64>()
        var nextID: Int64 = 0
        if let db = current {
            let ids = db.builtinColumn(0)
            try db.checkIntegrity()
            existingIDs.reserveCapacity(ids.count + total)
            for id in ids { existingIDs.insert(id) }
            nextID = (ids.max() ?? -1) + 1
        }
        let maskIDs: [Int64] = given ?? (0..<Int64(total)).map { nextID + $0 }
        var seen = existingIDs
        for (i, id) in maskIDs.enumerated() where !seen.insert(id).inserted {
            let where_ = existingIDs.contains(id) ? "already in the database" : "appears twice in the input"
            throw StorageError.invalidInput(file: source, location: "line \(lineOf(i))", reason: "duplicate mask_id \(id): \(where_)")
        }
        return maskIDs
    }

    /// Writes segment `name` under a temporary name, renames it, then runs `commit` (which
    /// replaces the manifest). On any error nothing the manifest on disk does not name is left.
    private static func writeSegment(_ name: String, in directory: String, files: [MaskInputFile], selection: RowSelection, total: Int,
                                     format: PixelFormat, bandRows: Int, columns: [(name: String, data: ColumnData)],
                                     options: Options, progress: ((Int, Int) -> Void)?,
                                     commit: () throws(StorageError) -> Void) throws(StorageError) -> SegmentWriter {
        let finalPath = directory + "/" + name
        let tmpPath = finalPath + ".tmp-\(getpid())"
        let (height, width) = (files[0].height, files[0].width)
        let writer = try SegmentWriter(path: tmpPath, height: height, width: width, pixelFormat: format, bandRows: bandRows,
                                       blocksPerPiece: options.blocksPerPiece)
        do throws(StorageError) {
            var done = 0, base = 0
            for f in files {
                let selected = selection.local(base: base, count: f.count)
                base += f.count
                if selected?.isEmpty == true { continue }
                try appendPixels(of: f, selected: selected, to: writer, format: format, options: options) { k in
                    done += k
                    progress?(done, total)
                }
            }
            try writer.finish(columns: columns)
            try SystemCalls.rename(tmpPath, finalPath)
            try commit()
        } catch {
            writer.abandon()
            SystemCalls.unlink(tmpPath)
            // A commit that failed after its rename (e.g. in the directory fsync) may already
            // name the segment: never delete a file the manifest on disk references.
            let committed = (try? Database.readManifest(directory))?.segments.contains { $0.file == name } ?? false
            if !committed { SystemCalls.unlink(finalPath) }
            throw error
        }
        return writer
    }

    /// The most input bytes a chunk holds when masks are large (a chunk has at least one mask).
    static let chunkBytes = 256 << 20

    /// Streams the masks of `f` in chunks into `writer`: uint8 into a uint8 database as given,
    /// anything else checked and converted by `PixelEncoder`. `advanced(k)` after each chunk.
    /// - Complexity: O(pixels); memory O(chunk).
    private static func appendPixels(of f: MaskInputFile, selected: [Int]?, to writer: SegmentWriter, format: PixelFormat,
                                     options: Options, advanced: (Int) -> Void) throws(StorageError) {
        let pixels = f.height * f.width
        // At most `chunkMasks` masks, as many as there are, and no more than `chunkBytes` of input
        // (at least one mask): memory follows the data, not a count a header declares.
        let chunk = max(1, min(options.chunkMasks, f.count, Ingester.chunkBytes / max(1, f.maskBytes)))
        let codes = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * pixels * format.bytesPerPixel, alignment: 64)
        defer { codes.deallocate() }
        let encoder = PixelEncoder(input: f.elementType, bigEndian: f.bigEndian, output: format, clip: options.clip)
        try f.forEachSelectedChunk(chunk: chunk, selected: selected) { (indices, bytes) throws(StorageError) in
            let k = indices.count
            if f.elementType == .uint8 && format == .uint8 {
                // Stored as given: no check or conversion needed, compress in place.
                try writer.append(codes: bytes, count: k)
                advanced(k)
                return
            }
            let out = UnsafeMutableRawBufferPointer(rebasing: codes[0..<(k * pixels * format.bytesPerPixel)])
            do throws(PixelEncoder.BadPixel) {
                try encoder.encode(bytes, count: k * pixels, into: out)
            } catch {
                let m = indices[error.index / pixels]
                let p = error.index % pixels
                let reason = error.value.isNaN || error.value.isInfinite
                    ? "value \(error.value) is not finite"
                    : "value \(error.value) is outside [0, 1] (use --clip to clip)"
                throw StorageError.invalidInput(file: f.path, location: "mask \(m), pixel (row \(p / f.width), col \(p % f.width))", reason: reason)
            }
            try writer.append(codes: UnsafeRawBufferPointer(out), count: k)
            advanced(k)
        }
    }
}
