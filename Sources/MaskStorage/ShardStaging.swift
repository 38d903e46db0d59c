import Foundation
import MaskFormat

/// The metadata a sharded ingest gives every shard (`ShardedIngest`): one CSV text of all input
/// masks with the ids and types decided once for the whole ingest; each shard's ingest selects
/// its rows (`Ingester.Options.rowSelection`) from it and from the input files, in place.
enum ShardStaging {
    /// The metadata of every input mask, in input order, as CSV text: mask_id, image_id, model_id,
    /// mask_type and the extra columns. Numbers are written so they parse back to the same value
    /// (Double's shortest round-trip text); TEXT is quoted; NULL is empty. - Complexity: O(rows).
    static func metadataText(maskIDs: [Int64], imageIDs: [Int64], meta: MetadataTable?, extras: [ColumnDescriptor]) -> String {
        var text = (MetadataTable.recognised + extras.map(\.name)).map(quoted).joined(separator: ",") + "\n"
        for r in maskIDs.indices {
            var cells = [String(maskIDs[r]), String(imageIDs[r]), String(meta?.modelIDs?[r] ?? 0), String(meta?.maskTypes?[r] ?? 0)]
            for c in extras.indices {
                cells.append(cell(meta.map { $0.extras[c].data.value(at: r) } ?? .null))
            }
            text += cells.joined(separator: ",") + "\n"
        }
        return text
    }

    static func cell(_ v: ColumnValue) -> String {
        switch v {
        case .null: return ""
        case .int(let x): return String(x)
        case .double(let x): return x.description
        case .text(let s): return quoted(s)
        }
    }

    static func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
