import MaskFormat

/// `masksearch roi DB NAME boxes.csv` (CONTRACT.md sections 2 and 4): loads a named ROI set
/// from a CSV with columns `image_id,x0,y0,x1,y1` (or `mask_id,...`), rounding float
/// coordinates outward (floor x0, y0; ceil x1, y1), and replaces a set of the same name
/// atomically (new file, then the manifest).
///
/// Decisions where the contract is silent: a key may appear only once (a second box for the
/// same id is an error naming both lines); coordinates must be finite numbers; boxes are
/// kept unclipped (queries clip them to the mask) and may be empty or inverted, which
/// gives CP = 0 and AREA = 0. ROI names: letters, digits and `_`, not starting with a
/// digit, and not `full` (a reserved word of the query language).
public enum ROISetLoader {
    public struct Summary: Sendable {
        public var name: String
        public var key: ROISet.Key
        public var boxes: Int
        public var replaced: Bool
    }

    public static func load(into directory: String, name: String, csvPath: String) throws(StorageError) -> Summary {
        try load(into: directory, name: name, source: .path(csvPath))
    }

    /// Loads the boxes from CSV text held in memory; `textName` names it in errors.
    public static func load(into directory: String, name: String, csvText: String,
                            textName: String = "boxes") throws(StorageError) -> Summary {
        try load(into: directory, name: name, source: .text(csvText, name: textName))
    }

    /// Loads the ROI set `name` from `source` (a file or text, read by the same code).
    public static func load(into directory: String, name: String, source: CSVSource) throws(StorageError) -> Summary {
        guard isValidName(name) else {
            throw StorageError.invalidInput(file: source.name, location: "ROI set name",
                                            reason: "'\(name)' is not a valid name (letters, digits and _, not starting with a digit, not 'full')")
        }
        _ = try Database.readManifest(directory)
        let set = try parse(source, name: name)
        let lock = try DatabaseLock(directory: directory)
        defer { lock.release() }
        var manifest = try Database.readManifest(directory)
        lock.sweep(keeping: manifest)
        let file = Manifest.fileName(prefix: "roi", number: manifest.nextFileNumber, ext: "msr")
        try writeFileAtomically(ROISetFile.encode(set), to: directory + "/" + file, directory: directory)
        let entry = Manifest.ROISetEntry(name: name, file: file, key: set.key == .imageID ? "image_id" : "mask_id", count: set.boxes.count)
        let replaced = manifest.roiSets.contains { $0.name == name }
        manifest.roiSets.removeAll { $0.name == name }
        manifest.roiSets.append(entry)
        manifest.roiSets.sort { $0.name < $1.name }
        manifest.nextFileNumber += 1
        do throws(StorageError) {
            try lock.commit(manifest)
        } catch {
            let committed = (try? Database.readManifest(directory))?.roiSets.contains { $0.file == file } ?? false
            if !committed { SystemCalls.unlink(directory + "/" + file) }
            throw error
        }
        lock.sweep(keeping: manifest)
        return Summary(name: name, key: set.key, boxes: set.boxes.count, replaced: replaced)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.lowercased() != "full" else { return false }
        let ok = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" }
        return ok && !("0"..."9").contains(first)
    }

    /// Parses a boxes CSV.
    public static func parse(_ path: String, name: String) throws(StorageError) -> ROISet {
        try parse(.path(path), name: name)
    }

    /// Parses a boxes CSV from a file or from text.
    public static func parse(_ source: CSVSource, name: String) throws(StorageError) -> ROISet {
        let csv = try CSVTable.load(source)
        let path = source.name
        let key: ROISet.Key
        let keyColumn: Int
        if let c = csv.column("image_id") {
            key = .imageID
            keyColumn = c
            if csv.column("mask_id") != nil {
                throw StorageError.invalidInput(file: path, location: "line 1", reason: "has both image_id and mask_id columns; give one")
            }
        } else if let c = csv.column("mask_id") {
            key = .maskID
            keyColumn = c
        } else {
            throw StorageError.invalidInput(file: path, location: "line 1", reason: "needs an image_id or mask_id column (header: \(csv.header.joined(separator: ",")))")
        }
        var coordinateColumns: [Int] = []
        for n in ["x0", "y0", "x1", "y1"] {
            guard let c = csv.column(n) else {
                throw StorageError.invalidInput(file: path, location: "line 1", reason: "missing column '\(n)' (need \(key == .imageID ? "image_id" : "mask_id"),x0,y0,x1,y1)")
            }
            coordinateColumns.append(c)
        }
        var boxes: [Int64: PixelBox] = [:]
        var lineOf: [Int64: Int] = [:]
        let limit = Double(Int32.max)
        for r in 0..<csv.rows.count {
            let id = try csv.int64(row: r, column: keyColumn)
            var v: [Double] = []
            for c in coordinateColumns { v.append(try csv.double(row: r, column: c)) }
            guard v.allSatisfy({ abs($0) <= limit }) else {
                throw StorageError.invalidInput(file: path, location: "line \(csv.rows[r].line)", reason: "coordinate out of range")
            }
            let box = PixelBox(x0: Int(v[0].rounded(.down)), y0: Int(v[1].rounded(.down)),
                               x1: Int(v[2].rounded(.up)), y1: Int(v[3].rounded(.up)))
            if let first = lineOf[id] {
                throw StorageError.invalidInput(file: path, location: "line \(csv.rows[r].line)",
                                                reason: "a second box for \(key == .imageID ? "image_id" : "mask_id") \(id) (the first is on line \(first))")
            }
            lineOf[id] = csv.rows[r].line
            boxes[id] = box
        }
        return ROISet(name: name, key: key, boxes: boxes)
    }
}
