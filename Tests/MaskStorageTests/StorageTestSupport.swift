import Foundation
import MaskFormat
@testable import MaskStorage

/// Paths and helpers shared by the storage tests.
enum Fixtures {
    static let root: String = Bundle.module.resourcePath! + "/Fixtures"
    static func npy(_ name: String) -> String { root + "/npy/" + name }
    static func file(_ name: String) -> String { root + "/" + name }
}

/// A fresh temporary directory path (not created), removed by `cleanup`.
final class TempDirectory {
    let path: String
    init(_ label: String = #function) {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "ms-\(safe)-\(UUID().uuidString.prefix(8))"
        create()
    }
    var db: String { path + "/db" }
    func create() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Every file of a directory with its bytes: two snapshots are equal when the directory is
/// byte-identical.
func snapshot(_ dir: String) -> [String: Data] {
    var out: [String: Data] = [:]
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return out }
    for n in names { out[n] = FileManager.default.contents(atPath: dir + "/" + n) }
    return out
}

/// The stored codes of a whole mask.
func codes(_ db: Database, row: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: db.height * db.width * db.pixelFormat.bytesPerPixel)
    try out.withUnsafeMutableBytes { try db.readPixels(row: row, rows: 0..<db.height, into: $0) }
    return out
}

/// The values (as Double) of a whole mask.
func values(_ db: Database, row: Int) throws -> [Double] {
    let raw = try codes(db, row: row)
    let n = db.height * db.width
    return raw.withUnsafeBytes { b in
        (0..<n).map { i in
            switch db.pixelFormat {
            case .uint8: return db.pixelFormat.value(ofCode: UInt32(b[i]))
            case .float16: return db.pixelFormat.value(ofCode: UInt32(b.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            case .float32: return db.pixelFormat.value(ofCode: b.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
        }
    }
}

/// Reads every metadata value and ROI set of `db` (a `Database` checks each chunk and ROI set
/// when first read), then throws the first damage those checks found.
func readMetadata(_ db: Database) throws {
    for row in 0..<db.count {
        for c in db.columns.indices { _ = db.value(row: row, column: c) }
    }
    for name in db.roiSetNames { _ = db.roiSet(named: name) }
    try db.checkIntegrity()
}
