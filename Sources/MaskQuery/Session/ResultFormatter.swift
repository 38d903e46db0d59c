import MaskFormat

/// Output formats of `masksearch query --format`.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, json
}

/// Renders a `QueryResult` as text.
///
/// - `table`: a header, a dashed rule, one line per row; numbers right-aligned, text left-aligned,
///   NULL as `NULL`, columns separated by ` | `; then `(N rows)`.
/// - `csv`: RFC 4180: a header row, NULL as an empty field, text quoted when it holds a comma,
///   quote, CR or LF, or leading/trailing spaces (quotes doubled).
/// - `json`: the object of CONTRACT.md section 4: `columns`, `rows`, `stats` (then `explain`,
///   `ExplanationFormatter`, when the query was explained); integers as JSON
///   integers, doubles with Swift's shortest round-trip text (always with a `.` or exponent),
///   non-finite doubles and NULL as `null`, text escaped.
/// Every format ends with a newline.
public enum ResultFormatter {
    public static func format(_ result: QueryResult, as format: OutputFormat) -> String {
        switch format {
        case .table: return table(result)
        case .csv: return csv(result)
        case .json: return json(result)
        }
    }

    /// Text of a value for `table` and `csv` (NULL as `null`).
    static func plain(_ v: ColumnValue, null: String) -> String {
        switch v {
        case .null: return null
        case .int(let x): return String(x)
        case .double(let d): return d.isFinite ? String(d) : null
        case .text(let s): return s
        }
    }

    static func table(_ result: QueryResult) -> String {
        let cells = result.rows.map { $0.map { plain($0, null: "NULL") } }
        var widths = result.columns.map(\.count)
        for row in cells {
            for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) }
        }
        func pad(_ s: String, _ w: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        var out = result.columns.enumerated().map { pad($1, widths[$0], right: false) }.joined(separator: " | ")
        out += "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n"
        for (r, row) in cells.enumerated() {
            let line = row.enumerated().map { i, c -> String in
                var isText = false
                if case .text = result.rows[r][i] { isText = true }
                return pad(c, widths[i], right: !isText)
            }.joined(separator: " | ")
            out += line + "\n"
        }
        out += "(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s"))\n"
        return out
    }

    static func csvField(_ s: String) -> String {
        let needsQuotes = s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || s.first == " " || s.last == " "
        return needsQuotes ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
    }

    static func csv(_ result: QueryResult) -> String {
        var out = result.columns.map(csvField).joined(separator: ",") + "\n"
        for row in result.rows {
            out += row.map { v -> String in
                if case .text(let s) = v { return csvField(s) }
                return plain(v, null: "")
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// JSON string literal of `s` (quotes, backslash and control characters escaped).
    static func jsonString(_ s: String) -> String { JSONText.quoted(s) }

    /// A JSON number for a Double: shortest round-trip digits; integral values keep `.0`.
    static func jsonDouble(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return String(d)  // "1.0", "0.0101", "1e-05", "1e+16": all valid JSON numbers
    }

    static func jsonValue(_ v: ColumnValue) -> String {
        switch v {
        case .null: return "null"
        case .int(let x): return String(x)
        case .double(let d): return jsonDouble(d)
        case .text(let s): return jsonString(s)
        }
    }

    static func json(_ result: QueryResult) -> String {
        let s = result.stats
        let columns = result.columns.map(jsonString).joined(separator: ", ")
        let rows = result.rows.map { "[" + $0.map(jsonValue).joined(separator: ", ") + "]" }.joined(separator: ", ")
        let stats = "\"masks_total\": \(s.masksTotal), \"masks_targeted\": \(s.masksTargeted), "
            + "\"pruned\": \(s.pruned), \"accepted_by_index\": \(s.acceptedByIndex), \"verified\": \(s.verified), "
            + "\"fml\": \(jsonDouble(s.fml)), \"newly_indexed\": \(s.newlyIndexed), "
            + "\"elapsed_ms\": \(jsonDouble((s.elapsedMilliseconds * 1000).rounded() / 1000))"
        let explain = result.explanation.map { ", \"explain\": " + ExplanationFormatter.json($0) } ?? ""
        return "{\"columns\": [\(columns)], \"rows\": [\(rows)], \"stats\": {\(stats)}\(explain)}\n"
    }
}
