import Foundation
import MaskFormat

/// Writes each shard's part of a sharded ingest as ordinary ingest input (`ShardedIngest`):
/// `.npy` files holding the shard's masks of each input file in input order (same dtype and
/// byte order, so the shard's ingest checks and converts them exactly as one database's would),
/// and `<shard>.csv` with every metadata column.
enum ShardStaging {
    /// Stages the masks; returns per shard the staged files (in input order).
    /// - Complexity: O(input bytes), one chunk of masks in memory at a time.
    static func stage(files: [MaskInputFile], shardOf: [Int], shardNames: [String],
                      into staging: String) throws(StorageError) -> [[String]] {
        var parts = [[String]](repeating: [], count: shardNames.count)
        var first = 0
        for (f, file) in files.enumerated() {
            let shardsHere = shardOf[first..<(first + file.count)]
            var counts = [Int](repeating: 0, count: shardNames.count)
            for s in shardsHere { counts[s] += 1 }
            var outputs: [Int: OutputStream] = [:]
            for s in counts.indices where counts[s] > 0 {
                let path = staging + "/" + shardNames[s] + "-" + String(f) + ".npy"
                guard let out = OutputStream(toFileAtPath: path, append: false) else {
                    throw StorageError.system(call: "open", path: path, errno: EIO)
                }
                out.open()
                try write(out, npyHeader(file, count: counts[s]), path: path)
                outputs[s] = out
                parts[s].append(path)
            }
            defer { for o in outputs.values { o.close() } }
            let base = first
            try file.forEachChunk(chunk: 64) { (start, n, bytes) throws(StorageError) in
                for k in 0..<n {
                    let s = shardOf[base + start + k]
                    let mask = UnsafeRawBufferPointer(rebasing: bytes[(k * file.maskBytes)..<((k + 1) * file.maskBytes)])
                    try write(outputs[s]!, Array(mask), path: parts[s].last ?? staging)
                }
            }
            first += file.count
        }
        return parts
    }

    static func write(_ out: OutputStream, _ bytes: [UInt8], path: String) throws(StorageError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBufferPointer { out.write($0.baseAddress!, maxLength: $0.count) }
            guard n > 0 else { throw StorageError.system(call: "write", path: path, errno: ENOSPC) }
            offset += n
        }
    }

    /// A version 1.0 `.npy` header for `count` masks of `file`'s shape, dtype and byte order,
    /// padded so the data starts at a multiple of 64.
    static func npyHeader(_ file: MaskInputFile, count: Int) -> [UInt8] {
        let kind: String
        switch file.elementType {
        case .uint8: kind = "|u1"
        case .float16: kind = (file.bigEndian ? ">" : "<") + "f2"
        case .float32: kind = (file.bigEndian ? ">" : "<") + "f4"
        case .float64: kind = (file.bigEndian ? ">" : "<") + "f8"
        }
        var dict = "{'descr': '\(kind)', 'fortran_order': False, 'shape': (\(count), \(file.height), \(file.width)), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        let n = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(dict.utf8)
    }

    /// Writes `<shard>.csv` for every shard: mask_id, image_id, model_id, mask_type and the
    /// extra columns, each shard's rows in input order. Numbers are written so they parse back to
    /// the same value (Double's shortest round-trip text); TEXT is quoted; NULL is empty.
    static func writeMetadata(maskIDs: [Int64], imageIDs: [Int64], meta: MetadataTable?, extras: [ColumnDescriptor],
                              shardOf: [Int], shardNames: [String], into staging: String) throws(StorageError) {
        let texts = metadataTexts(maskIDs: maskIDs, imageIDs: imageIDs, meta: meta, extras: extras,
                                  shardOf: shardOf, shardCount: shardNames.count)
        for s in shardNames.indices {
            guard let text = texts[s] else { continue }
            let path = staging + "/" + shardNames[s] + ".csv"
            try writeFileAtomically(Array(text.utf8), to: path, directory: staging)
        }
    }

    /// The text of every shard's metadata CSV (as `writeMetadata` writes it); nil for a shard
    /// that receives no row. - Complexity: O(rows × columns).
    static func metadataTexts(maskIDs: [Int64], imageIDs: [Int64], meta: MetadataTable?, extras: [ColumnDescriptor],
                              shardOf: [Int], shardCount: Int) -> [String?] {
        let header = (MetadataTable.recognised + extras.map(\.name)).map(quoted).joined(separator: ",") + "\n"
        var texts = [String](repeating: header, count: shardCount)
        var used = [Bool](repeating: false, count: shardCount)
        for r in maskIDs.indices {
            var cells = [String(maskIDs[r]), String(imageIDs[r]), String(meta?.modelIDs?[r] ?? 0), String(meta?.maskTypes?[r] ?? 0)]
            for c in extras.indices {
                cells.append(cell(meta.map { $0.extras[c].data.value(at: r) } ?? .null))
            }
            texts[shardOf[r]] += cells.joined(separator: ",") + "\n"
            used[shardOf[r]] = true
        }
        return texts.indices.map { used[$0] ? texts[$0] : nil }
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
