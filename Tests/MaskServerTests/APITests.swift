import Foundation
import Hummingbird
import HummingbirdTesting
import MaskQuery
import MaskStorage
import Testing
@testable import MaskServer

/// The HTTP API through the router (no socket), endpoint by endpoint, errors included.
@Suite struct APITests {
    @Test func info() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/info", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/json; charset=utf-8")
                let o = json(r)
                #expect(o["masks"] as? Int == 12)
                #expect(o["height"] as? Int == 24 && o["width"] as? Int == 32)
                #expect(o["dtype"] as? String == "uint8")
                #expect(o["roi_sets"] as? [String] == ["object"])
                #expect(o["models"] as? [Int] == [1, 2])
                #expect(o["mask_types"] as? [Int] == [1, 2])
                #expect(o["images"] as? Bool == true)
                #expect(o["label_column"] as? String == "label" && o["pred_column"] as? String == "pred")
                #expect(o["sample_mask_id"] as? Int == 101)
                #expect(o["image_ids_sample"] as? [Int] == [1, 2, 3, 4, 5, 6])
                #expect(o["indexed"] as? Int == 0)
                let columns = (o["columns"] as? [[String: String]])?.map { $0["name"] ?? "" }
                #expect(columns == ["mask_id", "image_id", "model_id", "mask_type", "label", "pred"])
            }
        }
    }

    @Test func pageAndStaticFiles() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(r.headers[.contentSecurityPolicy] == "default-src 'self'; img-src 'self' data: blob:")
                #expect(String(buffer: r.body).hasPrefix("<!doctype html>"))
            }
            try await client.execute(uri: "/static/app.css", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/css; charset=utf-8")
            }
            for bad in ["/static/nope.js", "/static/..%2fMaskServer.swift", "/static/%2e%2e/x", "/nowhere", "/api/nothing"] {
                try await client.execute(uri: bad, method: .get) { r in
                    #expect(r.status == .notFound, "\(bad)")
                    #expect(errorObject(r)["message"] is String, "\(bad)")
                }
            }
        }
    }

    @Test func wrongMethodIs405() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            for (uri, method) in [("/api/query", HTTPRequest.Method.get), ("/api/info", .post), ("/api/masks/101", .delete), ("/", .put)] {
                try await client.execute(uri: uri, method: method) { r in
                    #expect(r.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(r.headers[.allow] != nil)
                    #expect(errorObject(r)["message"] is String)
                }
            }
        }
    }

    /// Any method a known path has no route for, standard or not, is 405 with `Allow` (schemathesis
    /// sent TRACE and QUERY, which were 404); unknown paths stay 404.
    @Test func anyOtherMethodIs405() async throws {
        let f = try ServerFixture()
        let query = try #require(HTTPRequest.Method("QUERY"))
        try await f.withClient { client in
            for (uri, method, allow) in [("/api/info", HTTPRequest.Method.trace, "GET"), ("/api/query", .options, "POST"),
                                         ("/api/masks/101.png", query, "GET"), ("/api/output/a/b.txt", .trace, "GET"),
                                         ("/static/app.css", .patch, "GET"), ("/", query, "GET")] {
                try await client.execute(uri: uri, method: method) { r in
                    #expect(r.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(r.headers[.allow] == allow, "\(method) \(uri)")
                    #expect(errorObject(r)["message"] is String)
                }
            }
            try await client.execute(uri: "/api/nothing", method: query) { r in #expect(r.status == .notFound) }
        }
    }

    @Test func maskDetails() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/masks/104", method: .get) { r in
                #expect(r.status == .ok)
                let o = json(r)
                #expect(o["mask_id"] as? Int == 104 && o["image_id"] as? Int == 2)
                #expect(o["model_id"] as? Int == 2 && o["mask_type"] as? Int == 2)
                #expect((o["columns"] as? [String: Int]) == ["label": 2, "pred": 0])
                #expect(o["siblings"] as? [Int] == [103, 104])
                #expect((o["boxes"] as? [String: [Int]])?["object"] == [2, 2, 14, 14])
            }
        }
    }

    @Test func unknownAndNonIntegerIdsAre404() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            for uri in ["/api/masks/999", "/api/masks/abc", "/api/masks/1e3", "/api/masks/101.gif", "/api/masks/999.npy",
                        "/api/masks/-1.png", "/api/masks/%2e%2e", "/api/images/x", "/api/images/6", "/api/images/999",
                        "/api/images/..%2fsecret"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    #expect(errorObject(r)["message"] is String, "\(uri)")
                }
            }
        }
    }

    @Test func maskAsNPY() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/masks/105.npy", method: .get) { r in
                #expect(r.status == .ok)
                let bytes = Array(r.body.readableBytesView)
                #expect(bytes.count == 128 + 24 * 32)
                #expect(Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8))
                let header = String(decoding: bytes[10..<128], as: UTF8.self)
                #expect(header.contains("'descr': '|u1'") && header.contains("'shape': (24, 32)"))
                #expect(bytes[128 + 7 * 32 + 9] == ServerFixture.pixel(4, x: 9, y: 7))
            }
        }
    }

    @Test func imagesServedFromTheFolderOnly() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/images/3", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "image/png")
                #expect(Array(r.body.readableBytesView) == ServerFixture.imageBytes(3) && !ServerFixture.imageBytes(3).isEmpty)
            }
            // 7.png is a symlink to a file outside the image folder.
            try await client.execute(uri: "/api/images/7", method: .get) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func confusionMatrix() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/confusion", method: .get) { r in
                #expect(r.status == .ok)
                let o = json(r)
                #expect(o["labels"] as? [Int] == [0, 1, 2])
                // images 1..6 have labels 1,2,0,1,2,0; images 2 and 5 are predicted label+1.
                #expect(o["matrix"] as? [[Int]] == [[4, 0, 0], [0, 4, 0], [4, 0, 0]])
                #expect(o["accuracy"] as? Double == 8.0 / 12.0)
                #expect(o["total"] as? Int == 12)
            }
            try await client.execute(uri: "/api/confusion?model_id=1", method: .get) { r in
                #expect(json(r)["total"] as? Int == 6)
            }
            try await client.execute(uri: "/api/confusion?model_id=x", method: .get) { r in
                #expect(r.status == .badRequest)
            }
        }
    }

    @Test func outputFilesOnlyInsideTheFolder() async throws {
        let f = try ServerFixture()
        try FileManager.default.createSymbolicLink(atPath: f.output + "/escape.txt", withDestinationPath: f.dir + "/secret.png")
        try await f.withClient { client in
            try await client.execute(uri: "/api/output/note.txt", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body) == "written\n")
            }
            for uri in ["/api/output/..%2fsecret.png", "/api/output/../secret.png", "/api/output/%2e%2e/secret.png",
                        "/api/output/escape.txt", "/api/output/", "/api/output/missing", "/api/output/%zz"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                }
            }
        }
    }
}

/// Item 9: the server changes nothing in the database but index entries, and reads images
/// only inside the image folder.
@Suite struct SafetyTests {
    /// Every file of the database except index files and the manifest, with its bytes.
    static func dataFiles(_ db: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: db) where !name.hasPrefix("chi-") && name != "MANIFEST" && name != "LOCK" {
            files[name] = FileManager.default.contents(atPath: db + "/" + name)
        }
        return files
    }

    @Test func onlyIndexEntriesChange() async throws {
        let f = try ServerFixture()
        let before = try Self.dataFiles(f.db)
        var manifestBefore = try Database.readManifest(f.db)
        try await f.withClient { client in
            for sql in [QueryAPITests.topK, QueryAPITests.filter, QueryAPITests.grouped] {
                try await client.execute(uri: "/api/query", method: .post, body: jsonBody(["sql": sql])) { r in #expect(r.status == .ok) }
            }
            try await client.execute(uri: "/api/augment", method: .post, body: jsonBody(["sql": QueryAPITests.topK])) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/api/export", method: .post, body: jsonBody(["sql": QueryAPITests.topK, "format": "zip", "masks": "png"])) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/api/info", method: .get) { r in #expect((json(r)["indexed"] as? Int ?? 0) > 0) }
        }
        #expect(try Self.dataFiles(f.db) == before)
        var manifestAfter = try Database.readManifest(f.db)
        #expect(manifestAfter.index != nil)
        manifestAfter.index = nil
        manifestBefore.index = nil
        for i in manifestAfter.segments.indices { manifestAfter.segments[i].indexFile = nil }
        manifestAfter.nextFileNumber = manifestBefore.nextFileNumber
        #expect(manifestAfter == manifestBefore)
    }

    @Test func augmentRefusesImagesOutsideTheFolder() async throws {
        let f = try ServerFixture()
        // Image 2's file becomes a symlink to a file outside the image folder.
        try FileManager.default.removeItem(atPath: f.images + "/2.png")
        try FileManager.default.createSymbolicLink(atPath: f.images + "/2.png", withDestinationPath: f.dir + "/secret.png")
        try await f.withClient { client in
            try await client.execute(uri: "/api/augment", method: .post, body: jsonBody(["sql": "SELECT mask_id FROM masks WHERE image_id = 2"])) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/api/images/2", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/masks/103.png?colormap=jet&overlay=1", method: .get) { r in
                #expect(r.headers[MaskServer.overlayHeader] == "no-image")
            }
        }
    }
}
