import Hummingbird
import MaskFormat

extension MaskServer {
    /// `GET /api/confusion[?model_id=M]`: masks counted by label (rows) and prediction
    /// (columns), both in the order of `"labels"` (the values seen in either column,
    /// ascending); masks with a NULL label or prediction are not counted. Also `"total"`
    /// (masks counted) and `"accuracy"` (the diagonal's share; null when none is counted).
    /// Without label and prediction columns: empty labels and matrix.
    func confusion(query: QueryParameters) throws -> Response {
        var model: Int64?
        if let m = query["model_id"] {
            guard let v = Int64(m) else { throw APIError.badRequest("model_id must be an integer, not '\(m)'") }
            model = v
        }
        var counts: [ColumnValue: [ColumnValue: Int]] = [:]
        if catalog.labelColumn != nil && catalog.predColumn != nil {
            let models = database.builtinColumn(2)
            for row in 0..<database.count where model == nil || models[row] == model {
                let l = catalog.label(row), p = catalog.pred(row)
                guard l != .null, p != .null else { continue }
                counts[l, default: [:]][p, default: 0] += 1
            }
        }
        let labels = Array(Set(counts.keys).union(counts.values.flatMap(\.keys))).sorted(by: MaskServer.ascending)
        let matrix = labels.map { l in JSON.array(labels.map { p in .int(counts[l]?[p] ?? 0) }) }
        let total = counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        let correct = labels.reduce(0) { $0 + (counts[$1]?[$1] ?? 0) }
        return Reply.json(.object([
            ("labels", .array(labels.map(JSON.init))), ("matrix", .array(matrix)),
            ("total", .int(total)), ("accuracy", total > 0 ? .double(Double(correct) / Double(total)) : .null),
        ]))
    }

    /// Numbers before text, numbers by value, text by its characters.
    static func ascending(_ a: ColumnValue, _ b: ColumnValue) -> Bool {
        func key(_ v: ColumnValue) -> (Int, Double, String) {
            switch v {
            case .int(let i): return (0, Double(i), "")
            case .double(let d): return (0, d, "")
            case .text(let s): return (1, 0, s)
            case .null: return (2, 0, "")
            }
        }
        let (ka, kb) = (key(a), key(b))
        return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1 != kb.1 ? ka.1 < kb.1 : ka.2 < kb.2
    }
}
