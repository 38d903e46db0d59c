import Foundation
import MaskTestSupport
import Testing

/// `masksearch generate DIR --stdout | masksearch ingest DB - --meta DIR/meta.csv` (the path
/// of datasets too large to keep on disk, issue 13) against the ordinary route through
/// `masks.npy`: the same metadata files, and the same rows for the paper's query shapes,
/// unindexed and indexed.
@Suite struct StreamingCLITests {
    static let queries = [
        "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 32, 40), 0.8, 1.0) > 40",
        "SELECT mask_id FROM masks WHERE CP(mask, object, 0.8, 1.0) > 30",
        "SELECT mask_id, CP(mask, (8, 8, 32, 40), 0.8, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 9",
        "SELECT image_id, AVG(CP(mask, object, 0.8, 1.0)) AS v FROM masks WHERE mask_type = 1 GROUP BY image_id ORDER BY v DESC LIMIT 9",
        "SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) / CP(UNION(mask > 0.8), full, 0.5, 1) AS v FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY v ASC LIMIT 9",
        "SELECT mask_id, image_id, model_id, mask_type, label, pred, kind FROM masks WHERE mask_id IN (3, 20, 37, 150)",
    ]
    static let dataset = ["--masks", "151", "--size", "48,40", "--seed", "5", "--no-images"]

    func expectSuccess(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(args.joined(separator: " ")): \(r.stderr)")
    }

    /// Runs `generate DIR --stdout` piped into `ingest DB - --meta DIR/meta.csv`; their exit
    /// statuses and ingest's stderr.
    func pipeline(_ dir: String, into db: String, generateArgs: [String]) throws -> (Int32, Int32, String) {
        let generate = Process(), ingest = Process()
        generate.executableURL = URL(fileURLWithPath: CLI.binary)
        ingest.executableURL = URL(fileURLWithPath: CLI.binary)
        generate.arguments = ["generate", dir, "--stdout"] + generateArgs
        ingest.arguments = ["ingest", db, "-", "--meta", dir + "/meta.csv"]
        let stream = Pipe(), errors = Pipe()
        generate.standardOutput = stream
        generate.standardError = FileHandle.nullDevice
        ingest.standardInput = stream
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = errors
        try ingest.run()
        try generate.run()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        generate.waitUntilExit()
        ingest.waitUntilExit()
        return (generate.terminationStatus, ingest.terminationStatus, String(decoding: err, as: UTF8.self))
    }

    func rows(_ db: String, _ sql: String) throws -> TinyJSON? {
        let r = try CLI.run(["query", db, sql, "--format", "json"])
        #expect(r.status == 0, "\(sql): \(r.stderr)")
        return try TinyJSON.parse(r.stdout)["rows"]
    }

    @Test func streamedIngestEqualsIngestOfTheFile() throws {
        let s = Scratch()
        try expectSuccess(["generate", s.path + "/files"] + Self.dataset)
        try expectSuccess(["ingest", s.path + "/db-file", s.path + "/files/masks.npy", "--meta", s.path + "/files/meta.csv"])
        let (g, i, err) = try pipeline(s.path + "/stream", into: s.path + "/db-stream", generateArgs: Self.dataset)
        #expect(g == 0 && i == 0, "generate \(g), ingest \(i): \(err)")
        #expect(!FileManager.default.fileExists(atPath: s.path + "/stream/masks.npy"), "--stdout wrote masks.npy")
        for file in ["meta.csv", "rois/object.csv"] {
            let a = FileManager.default.contents(atPath: s.path + "/files/" + file)
            #expect(a != nil && a == FileManager.default.contents(atPath: s.path + "/stream/" + file), "\(file) differs")
        }
        let dbs = [s.path + "/db-file", s.path + "/db-stream"]
        for (db, dir) in zip(dbs, ["files", "stream"]) {
            try expectSuccess(["roi", db, "object", s.path + "/\(dir)/rois/object.csv"])
        }
        for sql in Self.queries {
            let expected = try rows(dbs[0], sql)
            #expect(expected != nil && expected != .array([]), "\(sql) selects nothing: a weak test")
            #expect(try rows(dbs[1], sql) == expected, "\(sql)")
        }
        for db in dbs { try expectSuccess(["index", db]) }
        for sql in Self.queries { #expect(try rows(dbs[1], sql) == rows(dbs[0], sql), "indexed: \(sql)") }
    }

    /// The large-database path in miniature: a streamed ingest of more masks than one window
    /// of the index build (`IndexBuilder.windowMasks`, 32,768), indexed, answers as the
    /// unindexed scan does (the windows' page releases lose no entry).
    @Test func indexBuiltInWindowsAnswersAsTheScan() throws {
        let s = Scratch()
        let args = ["--masks", "40000", "--size", "32,32", "--seed", "3", "--no-images"]
        let (g, i, err) = try pipeline(s.path + "/stream", into: s.path + "/db", generateArgs: args)
        #expect(g == 0 && i == 0, "generate \(g), ingest \(i): \(err)")
        let db = s.path + "/db"
        try expectSuccess(["roi", db, "object", s.path + "/stream/rois/object.csv"])
        let queries = [
            "SELECT mask_id FROM masks WHERE CP(mask, (4, 4, 28, 28), 0.8, 1.0) > 150",
            "SELECT mask_id, CP(mask, (4, 4, 28, 28), 0.8, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 30",
            "SELECT mask_id, CP(mask, object, 0.5, 1.0) AS v FROM masks ORDER BY v ASC, mask_id LIMIT 30",
        ]
        let scans = try queries.map { sql throws -> TinyJSON? in
            let r = try CLI.run(["query", db, sql, "--format", "json", "--no-index"])
            #expect(r.status == 0, "\(sql): \(r.stderr)")
            return try TinyJSON.parse(r.stdout)["rows"]
        }
        try expectSuccess(["index", db])
        for (sql, scan) in zip(queries, scans) {
            #expect(scan != nil && scan != .array([]), "\(sql) selects nothing: a weak test")
            #expect(try rows(db, sql) == scan, "\(sql)")
        }
    }

    /// `generate --stdout` writes exactly the bytes of `masks.npy`.
    @Test func standardOutputHoldsTheBytesOfMasksNpy() throws {
        let s = Scratch()
        try expectSuccess(["generate", s.path + "/files"] + Self.dataset)
        let out = s.path + "/stdout.npy"
        #expect(FileManager.default.createFile(atPath: out, contents: nil))
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: CLI.binary)
        generate.arguments = ["generate", s.path + "/stream", "--stdout"] + Self.dataset
        generate.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        generate.standardError = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)
        let npy = FileManager.default.contents(atPath: s.path + "/files/masks.npy")
        #expect(npy != nil && npy == FileManager.default.contents(atPath: out))
    }

    /// A stream cut short (the generator killed mid-way, here: a reader that stops early) is
    /// an input error of ingest, and leaves no database behind.
    @Test func truncatedStreamIsRejectedAndChangesNothing() throws {
        let s = Scratch()
        try expectSuccess(["generate", s.path + "/files"] + Self.dataset)
        let npy = try #require(FileManager.default.contents(atPath: s.path + "/files/masks.npy"))
        let cut = s.path + "/cut.npy"
        try npy.prefix(npy.count - 48 * 40 * 3 - 5).write(to: URL(fileURLWithPath: cut))
        let ingest = Process()
        ingest.executableURL = URL(fileURLWithPath: CLI.binary)
        ingest.arguments = ["ingest", s.path + "/db", "-", "--meta", s.path + "/files/meta.csv"]
        ingest.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: cut))
        let errors = Pipe()
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = errors
        try ingest.run()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ingest.waitUntilExit()
        #expect(ingest.terminationStatus == 2, "\(err)")
        #expect(!FileManager.default.fileExists(atPath: s.path + "/db/MANIFEST"), "a failed ingest created a database")
    }

    /// `--stdout` to a terminal is refused (exit 2) rather than writing binary data there; a
    /// reader closing the pipe early is a write error (exit 1), not a silent kill by SIGPIPE.
    @Test func streamToAClosedReaderIsAnError() throws {
        let s = Scratch()
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: CLI.binary)
        generate.arguments = ["generate", s.path + "/stream", "--stdout", "--masks", "3000", "--size", "64,64", "--no-images"]
        let stream = Pipe(), errors = Pipe()
        generate.standardOutput = stream
        generate.standardError = errors
        try generate.run()
        _ = stream.fileHandleForReading.readData(ofLength: 4096)
        try stream.fileHandleForReading.close()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        generate.waitUntilExit()
        #expect(generate.terminationReason == .exit && generate.terminationStatus == 1, "\(err)")
        #expect(err.contains("closed the stream"), "\(err)")
    }
}
