import Foundation

/// A minimal `.npy` reader for the test fixtures: version 1/2 headers, C order, dtypes `|u1`,
/// `<f2`, `<f4`. Independent of the engine (tests must not share its code).
struct NPYArray {
    var shape: [Int]
    var descr: String
    var data: [UInt8]

    enum ReadError: Error { case malformed(String) }

    init(bytes: [UInt8]) throws {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw ReadError.malformed("bad magic")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'fortran_order': False") else { throw ReadError.malformed("not C order") }
        guard let d = header.range(of: "'descr': '"), let dEnd = header[d.upperBound...].firstIndex(of: "'") else {
            throw ReadError.malformed("no descr")
        }
        descr = String(header[d.upperBound..<dEnd])
        guard let s = header.range(of: "'shape': ("), let sEnd = header[s.upperBound...].firstIndex(of: ")") else {
            throw ReadError.malformed("no shape")
        }
        shape = header[s.upperBound..<sEnd].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        data = Array(bytes[(headerStart + headerLength)...])
    }
}
