import Foundation
import SwiftCSV

/// Where a CSV comes from: a file, or text held in memory (the C ABI's metadata and ROI
/// boxes) with a name for error messages. Both are read by the same code (`CSVTable.load`).
public enum CSVSource: Sendable, Equatable {
    case path(String)
    case text(String, name: String)

    /// The name errors give: the path, or the text's name.
    public var name: String {
        switch self {
        case .path(let p): return p
        case .text(_, let name): return name
        }
    }
}

/// A CSV file read with SwiftCSV: the header and the rows, each with its line number, with
/// ragged rows reported (not silently padded).
struct CSVTable {
    /// The source's name, for errors.
    var path: String
    var header: [String]
    /// (line number, cells)
    var rows: [(line: Int, cells: [String])]

    static func load(_ path: String) throws(StorageError) -> CSVTable {
        try load(.path(path))
    }

    /// Reads the file's text (UTF-8), or takes the given text, then parses it (`parse`).
    static func load(_ source: CSVSource) throws(StorageError) -> CSVTable {
        switch source {
        case .text(let text, let name):
            return try parse(text, name: name)
        case .path(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StorageError.invalidInput(file: path, location: "", reason: SystemCalls.exists(path) ? "cannot read the file" : "no such file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw StorageError.invalidInput(file: path, location: "", reason: "not UTF-8 text")
            }
            return try parse(text, name: path)
        }
    }

    /// Parses CSV text: a header row (names trimmed, no duplicates), then rows of as many
    /// cells (blank lines skipped). `path` names the source in errors.
    /// - Complexity: O(text length).
    static func parse(_ text: String, name path: String) throws(StorageError) -> CSVTable {
        guard !text.trimmingSpaces.isEmpty else {
            throw StorageError.invalidInput(file: path, location: "", reason: "empty CSV: a header row is required")
        }
        do {
            let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
            let header = csv.header.map { $0.trimmingSpaces }
            final class Sink: @unchecked Sendable { var rows: [(Int, [String])] = [] }
            let sink = Sink()
            var line = 1
            try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { cells in
                line += 1
                if cells.count == 1 && cells[0].trimmingSpaces.isEmpty { return }
                sink.rows.append((line, cells))
            }
            if let dup = Dictionary(grouping: header, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw StorageError.invalidInput(file: path, location: "line 1", reason: "column '\(dup)' appears twice in the header")
            }
            for (line, cells) in sink.rows where cells.count != header.count {
                throw StorageError.invalidInput(file: path, location: "line \(line)",
                                                reason: "\(cells.count) cells, the header has \(header.count)")
            }
            return CSVTable(path: path, header: header, rows: sink.rows.map { (line: $0.0, cells: $0.1) })
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError.invalidInput(file: path, location: "", reason: "malformed CSV: \(error)")
        }
    }

    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Cell as Int64, or an error naming the line and column.
    func int64(row: Int, column: Int) throws(StorageError) -> Int64 {
        let (line, cells) = rows[row]
        let t = cells[column].trimmingSpaces
        guard let v = Int64(t) else {
            throw StorageError.invalidInput(file: path, location: "line \(line), column '\(header[column])'",
                                            reason: "'\(cells[column])' is not an integer")
        }
        return v
    }

    func double(row: Int, column: Int) throws(StorageError) -> Double {
        let (line, cells) = rows[row]
        let t = cells[column].trimmingSpaces
        guard let v = Double(t), v.isFinite else {
            throw StorageError.invalidInput(file: path, location: "line \(line), column '\(header[column])'",
                                            reason: "'\(cells[column])' is not a finite number")
        }
        return v
    }
}
