import MaskFormat

/// What is wrong with a manifest's JSON: the field (`segments[2].maskCount`) and the problem.
struct ManifestJSONError: Error, CustomStringConvertible {
    var field: String
    var problem: String

    var description: String { field.isEmpty ? problem : "\(field): \(problem)" }
}

/// Reading a manifest's JSON (Format/manifest.md) field by field from `JSONValue.parse`'s tree,
/// as `Codable` read it — every key of the table required except `index`, `imageFolder`, a
/// segment's `indexFile` and a ROI set's `histograms` (absent or null: nil), integers as JSON integers, unknown keys
/// ignored — and a repeated key refused. Without `JSONDecoder`, whose first use in a process
/// (runtime type lookups in a static binary) made every command ~0.3 ms slower (a trivial
/// query, 200 runs of each binary alternated: 7.42 → 7.10 ms of CPU).
extension Manifest {
    init(json: JSONValue) throws(ManifestJSONError) {
        let top = try JSONFields(json, at: "")
        self.init(version: try top.int("version"), height: try top.int("height"), width: try top.int("width"),
                  pixelFormat: try top.string("pixelFormat"), bandRows: try top.int("bandRows"),
                  extraColumns: try top.objects("extraColumns") { f throws(ManifestJSONError) in
                      Column(name: try f.string("name"), type: try f.string("type"))
                  },
                  segments: try top.objects("segments") { f throws(ManifestJSONError) in
                      Segment(file: try f.string("file"), maskCount: try f.int("maskCount"), indexFile: try f.optionalString("indexFile"))
                  },
                  roiSets: try top.objects("roiSets") { f throws(ManifestJSONError) in
                      ROISetEntry(name: try f.string("name"), file: try f.string("file"), key: try f.string("key"), count: try f.int("count"),
                                  histograms: try f.optionalObjects("histograms") { h throws(ManifestJSONError) in
                                      ROIHistogramEntry(segment: try h.string("segment"), file: try h.string("file"))
                                  })
                  },
                  index: try top.optionalObject("index").map { f throws(ManifestJSONError) in
                      IndexParameters(bins: try f.int("bins"), cell: try f.int("cell"))
                  },
                  nextFileNumber: try top.int("nextFileNumber"), imageFolder: try top.optionalString("imageFolder"))
    }
}

/// The members of one JSON object of a manifest, `field` naming it in errors.
private struct JSONFields {
    let members: [(String, JSONValue)]
    let field: String

    init(_ value: JSONValue, at field: String) throws(ManifestJSONError) {
        guard case .object(let members) = value else { throw ManifestJSONError(field: field, problem: "an object expected") }
        self.members = members
        self.field = field
        // Sorted, not hashed: no `Set<String>` to instantiate at run time; O(k log k).
        let keys = members.map(\.0).sorted()
        for i in keys.indices.dropFirst() where keys[i] == keys[i - 1] {
            throw ManifestJSONError(field: path(keys[i]), problem: "the key appears twice")
        }
    }

    func path(_ key: String) -> String { field.isEmpty ? key : field + "." + key }

    /// The value of `key`; nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let v = members.first(where: { $0.0 == key })?.1, v != .null else { return nil }
        return v
    }

    func required(_ key: String) throws(ManifestJSONError) -> JSONValue {
        guard let v = value(key) else { throw ManifestJSONError(field: path(key), problem: "missing") }
        return v
    }

    func int(_ key: String) throws(ManifestJSONError) -> Int {
        guard case .int(let v) = try required(key) else { throw ManifestJSONError(field: path(key), problem: "an integer expected") }
        return Int(v)
    }

    func string(_ key: String) throws(ManifestJSONError) -> String {
        guard case .string(let s) = try required(key) else { throw ManifestJSONError(field: path(key), problem: "a string expected") }
        return s
    }

    func optionalString(_ key: String) throws(ManifestJSONError) -> String? {
        guard value(key) != nil else { return nil }
        return try string(key)
    }

    func optionalObject(_ key: String) throws(ManifestJSONError) -> JSONFields? {
        guard let v = value(key) else { return nil }
        return try JSONFields(v, at: path(key))
    }

    /// The array `key` of objects, each read by `element`; nil when absent or null.
    func optionalObjects<T>(_ key: String, _ element: (JSONFields) throws(ManifestJSONError) -> T) throws(ManifestJSONError) -> [T]? {
        guard value(key) != nil else { return nil }
        return try objects(key, element)
    }

    /// The array `key` of objects, each read by `element`.
    func objects<T>(_ key: String, _ element: (JSONFields) throws(ManifestJSONError) -> T) throws(ManifestJSONError) -> [T] {
        guard case .array(let items) = try required(key) else { throw ManifestJSONError(field: path(key), problem: "an array expected") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { out.append(try element(try JSONFields(item, at: path(key) + "[\(i)]"))) }
        return out
    }
}
