import Foundation
import HTTPTypes
import Hummingbird
import MaskQuery

/// The body of `POST /api/query`.
struct QueryRequest: Decodable, Sendable {
    var sql: String
    var useIndex: Bool?
    var explain: Bool?
    var explainMask: Int64?

    enum CodingKeys: String, CodingKey {
        case sql, explain
        case useIndex = "use_index"
        case explainMask = "explain_mask"
    }
}

extension MaskServer {
    /// `POST /api/query`: `masksearch query --format json`'s text (`--explain` when `explain`
    /// is true or `explain_mask` given) byte for byte, with `"row_info"` added as its last key.
    ///
    /// Header `Server-Timing: app;dur=A, engine;dur=E`: A the milliseconds from the decoded
    /// request to the formatted answer (waiting for a runner included), E the engine's
    /// `elapsed_ms`; A − E is what serving adds to the query.
    func query(_ request: QueryRequest) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let explain = request.explain == true || request.explainMask != nil ? ExplainRequest(maskID: request.explainMask) : nil
        let result = try await runQuery(request.sql, useIndex: request.useIndex ?? true, explain: explain)
        let text = MaskServer.appending([("row_info", rowInfo(result))], to: ResultFormatter.format(result, as: .json))
        let app = clock.now - start
        let ms = Double(app.components.seconds) * 1000 + Double(app.components.attoseconds) / 1e15
        let timing = "app;dur=\(String(format: "%.3f", ms)), engine;dur=\(String(format: "%.3f", result.stats.elapsedMilliseconds))"
        var response = Reply.json(text)
        response.headers[MaskServer.serverTiming] = timing
        return response
    }

    static let serverTiming = HTTPField.Name("Server-Timing")!

    /// Runs a query on its pool (indexed or full scan); a query error keeps its token and position.
    func runQuery(_ sql: String, useIndex: Bool, explain: ExplainRequest? = nil) async throws -> QueryResult {
        try await (useIndex ? queries : scans).run(sql, useIndex: useIndex, explain: explain)
    }

    /// `object` (a JSON object's text ending in `}` and a newline) with `members` added last.
    static func appending(_ members: [(String, JSON)], to object: String) -> String {
        var text = object
        while text.last == "\n" { text.removeLast() }
        guard text.last == "}" else { return object }
        text.removeLast()
        for (key, value) in members {
            text += ", " + JSON.string(key).text + ": " + value.text
        }
        return text + "}\n"
    }

    /// Per row, what the page needs to draw it: with a `mask_id` column the mask's ids,
    /// label and prediction; else, with an `image_id` column (a grouped result), the image's
    /// masks (all of them, ascending); else null.
    func rowInfo(_ result: QueryResult) -> JSON {
        if let c = result.columns.firstIndex(of: "mask_id") {
            return .array(result.rows.map { row in
                guard case .int(let id) = row[c], let r = catalog.lookup.row(maskID: id) else { return .null }
                return .object(catalog.identity(r) + [("label", JSON(catalog.label(r))), ("pred", JSON(catalog.pred(r)))])
            })
        }
        if let c = result.columns.firstIndex(of: "image_id") {
            return .array(result.rows.map { row in
                guard case .int(let id) = row[c], case let rows = catalog.rows(ofImage: id), !rows.isEmpty else { return .null }
                return .object([("image_id", .int(id)), ("mask_ids", .array(rows.map { .int(catalog.maskID($0)) }))])
            })
        }
        return .null
    }
}
