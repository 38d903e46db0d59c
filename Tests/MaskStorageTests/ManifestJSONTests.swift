import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// The manifest's JSON read without `Codable` (`Manifest.decodeJSON`): what `encoded()` writes
/// reads back equal; optional keys may be absent or null; unknown keys are ignored; a missing or
/// repeated key, or a value of the wrong type, is an error naming the field.
@Suite struct ManifestJSONTests {
    static let full = Manifest(
        version: 1, height: 224, width: 224, pixelFormat: "uint8", bandRows: 32,
        extraColumns: [.init(name: "label", type: "INT64"), .init(name: "kind \"é\"", type: "TEXT")],
        segments: [.init(file: "seg-000001.mss", maskCount: 40000, indexFile: "chi-000003.chi"),
                   .init(file: "seg-000004.mss", maskCount: 7, indexFile: nil)],
        roiSets: [.init(name: "object", file: "roi-000002.msr", key: "image_id", count: 12019)],
        index: .init(bins: 20, cell: 16), nextFileNumber: 5, imageFolder: "/data/images")

    func decode(_ json: String) throws(FormatError) -> Manifest {
        try Array(json.utf8).withUnsafeBytes { b in Result { () throws(FormatError) in try Manifest.decodeJSON(b, file: "MANIFEST") } }.get()
    }

    func failure(_ json: String) -> String? {
        do throws(FormatError) { _ = try decode(json); return nil } catch { return error.detail }
    }

    @Test func whatIsWrittenReadsBackEqual() throws {
        var bare = Self.full
        bare.index = nil
        bare.imageFolder = nil
        bare.segments = []
        for m in [Self.full, bare] {
            let bytes = m.encoded()
            let back = try bytes.withUnsafeBytes { b in Result { () throws(FormatError) in try Manifest.decode(b, file: "MANIFEST") } }.get()
            #expect(back == m)
        }
    }

    /// `encoded()`'s JSON text with `edit` applied.
    func json(_ edit: (inout String) -> Void = { _ in }) -> String {
        let bytes = Self.full.encoded()
        var text = String(decoding: bytes[ManifestLayout.headerSize..<(bytes.count - 4)], as: UTF8.self)
        edit(&text)
        return text
    }

    @Test func optionalKeysMayBeNullAndUnknownKeysAreIgnored() throws {
        let m = try decode(json {
            $0 = $0.replacingOccurrences(of: "\"imageFolder\" : \"\\/data\\/images\"", with: "\"imageFolder\" : null")
                .replacingOccurrences(of: "\"indexFile\" : \"chi-000003.chi\"", with: "\"indexFile\" : null, \"future\" : [1, {\"x\": 2}]")
        })
        #expect(m.imageFolder == nil && m.segments[0].indexFile == nil && m.segments[0].maskCount == 40000)
    }

    @Test func wrongMissingOrRepeatedFieldsAreNamed() {
        #expect(failure(json { $0 = $0.replacingOccurrences(of: "\"maskCount\" : 7", with: "\"maskCount\" : 7.5") })?
            .contains("segments[1].maskCount: an integer expected") == true)
        #expect(failure(json { $0 = $0.replacingOccurrences(of: "\"nextFileNumber\" : 5,", with: "") })?
            .contains("nextFileNumber: missing") == true)
        #expect(failure(json { $0 = $0.replacingOccurrences(of: "\"bins\" : 20", with: "\"bins\" : 20, \"bins\" : 21") })?
            .contains("index.bins: the key appears twice") == true)
        #expect(failure(json { $0 = $0.replacingOccurrences(of: "\"count\" : 12019", with: "\"count\" : \"12019\"") })?
            .contains("roiSets[0].count: an integer expected") == true)
        #expect(failure("[]")?.contains("an object expected") == true)
        #expect(failure(json { $0 += "x" })?.contains("text after the JSON value") == true)
    }
}
