import Foundation
import MaskSearchABI

/// An `ms_error` in zeroed memory, cleared and freed on deinit.
final class CError {
    let pointer: UnsafeMutableRawPointer

    init() {
        pointer = .allocate(byteCount: ErrorRecord.size, alignment: 8)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: ErrorRecord.size)
    }

    deinit {
        ms_error_clear(pointer)
        pointer.deallocate()
    }

    var kind: Int32 { pointer.load(fromByteOffset: ErrorRecord.kindOffset, as: Int32.self) }
    var position: Int64 { pointer.load(fromByteOffset: ErrorRecord.positionOffset, as: Int64.self) }
    var token: String? {
        pointer.load(fromByteOffset: ErrorRecord.tokenOffset, as: UnsafePointer<CChar>?.self).map { String(cString: $0) }
    }
    var message: String? {
        pointer.load(fromByteOffset: ErrorRecord.messageOffset, as: UnsafePointer<CChar>?.self).map { String(cString: $0) }
    }
}

/// The string a library call returned, copied, then freed with `ms_free`.
func take(_ p: UnsafeMutablePointer<CChar>?) -> String? {
    guard let p else { return nil }
    defer { ms_free(p) }
    return String(cString: p)
}

/// A JSON object's text parsed with Foundation.
func object(_ text: String?) -> [String: Any] {
    guard let text, let data = text.data(using: .utf8),
          let value = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    return value
}

/// A fresh temporary directory, removed on deinit; `db` is a path inside it (not created).
final class ScratchDirectory {
    let path: String
    init(_ label: String = #function) {
        path = NSTemporaryDirectory() + "ms-abi-\(label.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    var db: String { path + "/db" }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Every file of a directory with its bytes (equal snapshots = byte-identical directory).
func snapshot(_ dir: String) -> [String: Data] {
    var out: [String: Data] = [:]
    for n in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
        out[n] = FileManager.default.contents(atPath: dir + "/" + n)
    }
    return out
}

/// Calls `ms_ingest` with an `ms_ingest_request` built at the header's offsets.
func ingest<T>(_ db: OpaquePointer?, _ values: [T], count: Int64, height: Int64, width: Int64, type: Int32,
               storage: Int32 = -1, clip: Int32 = 0, meta: String? = nil, error: CError) -> String? {
    values.withUnsafeBytes { data in
        let r = UnsafeMutableRawPointer.allocate(byteCount: IngestRequest.size, alignment: 8)
        defer { r.deallocate() }
        r.initializeMemory(as: UInt8.self, repeating: 0, count: IngestRequest.size)
        r.storeBytes(of: data.baseAddress, toByteOffset: IngestRequest.dataOffset, as: UnsafeRawPointer?.self)
        r.storeBytes(of: count, toByteOffset: IngestRequest.countOffset, as: Int64.self)
        r.storeBytes(of: height, toByteOffset: IngestRequest.heightOffset, as: Int64.self)
        r.storeBytes(of: width, toByteOffset: IngestRequest.widthOffset, as: Int64.self)
        r.storeBytes(of: type, toByteOffset: IngestRequest.elementTypeOffset, as: Int32.self)
        r.storeBytes(of: storage, toByteOffset: IngestRequest.storageOffset, as: Int32.self)
        r.storeBytes(of: clip, toByteOffset: IngestRequest.clipOffset, as: Int32.self)
        let run = { (m: UnsafePointer<CChar>?) -> String? in
            r.storeBytes(of: m, toByteOffset: IngestRequest.metaOffset, as: UnsafePointer<CChar>?.self)
            return take(ms_ingest(db, UnsafeRawPointer(r), error.pointer))
        }
        guard let meta else { return run(nil) }
        return meta.withCString { run($0) }
    }
}

/// Runs `sql` and returns the result's rows (as parsed JSON), or nil with `error` set.
func rows(_ db: OpaquePointer?, _ sql: String, useIndex: Bool = true, error: CError = CError()) -> [[Any]]? {
    guard let text = take(ms_query_json(db, sql, useIndex ? 1 : 0, error.pointer)) else { return nil }
    return object(text)["rows"] as? [[Any]]
}

/// A deterministic uint8 stack: mask m, pixel p has code (m * 37 + p * 11) % 256.
func uint8Masks(count: Int, height: Int, width: Int) -> [UInt8] {
    (0..<(count * height * width)).map { i in
        let (m, p) = (i / (height * width), i % (height * width))
        return UInt8((m * 37 + p * 11) % 256)
    }
}
