import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import MaskServer

/// Issue 14 items 4 and 5: no file outside the image and output folders is reachable, however
/// the path is spelled; an image file that cannot be read or decoded is a 4xx JSON error,
/// never a crash or a 5xx.
@Suite struct ContainmentTests {
    /// Paths that name, or try to name, files outside the folders (the fixture's secret.png
    /// sits beside them, /etc/passwd further out).
    static let escapes: [String] = [
        "/api/output/..%2fsecret.png", "/api/output/%2e%2e/secret.png", "/api/output/%2e%2e%2fsecret.png",
        "/api/output/%2E%2E/secret.png", "/api/output/..%5csecret.png", "/api/output/%2fetc%2fpasswd",
        "/api/output//etc/passwd", "/api/output/%2f%2f..%2f..%2fetc%2fpasswd", "/api/output/.%2e/.%2e/etc/passwd",
        "/api/output/note.txt%00", "/api/output/note.txt%00.png", "/api/output/%00", "/api/output/sub/%2e%2e/%2e%2e/secret.png",
        "/api/output/escape.txt", "/api/output/outside/passwd", "/api/output/outside", "/api/output/" + String(repeating: "a", count: 300),
        "/api/output/" + Array(repeating: "a", count: 2000).joined(separator: "/"), "/api/output/" + String(repeating: "%2e%2e%2f", count: 40) + "etc/passwd",
        "/api/images/..%2fsecret", "/api/images/%2e%2e%2fsecret.png", "/api/images/%2fetc%2fpasswd", "/api/images/7",
        "/api/images/7.png", "/api/images/1%00", "/api/images/-1", "/api/images/" + String(repeating: "9", count: 400),
        "/api/images/..%2f..%2f..%2fetc%2fpasswd", "/static/..%2f..%2fPackage.swift", "/static/%2e%2e/%2e%2e/Package.swift",
        "/static/%00", "/static//etc/passwd", "/api/masks/..%2fsecret", "/api/masks/101%00.png", "/api/aggregate/..%2f1.png",
    ]

    @Test func noPathLeavesTheFolders() async throws {
        let f = try ServerFixture()
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: f.output + "/escape.txt", withDestinationPath: f.dir + "/secret.png")
        try fm.createSymbolicLink(atPath: f.output + "/outside", withDestinationPath: "/etc")
        try fm.createDirectory(atPath: f.output + "/sub", withIntermediateDirectories: true)
        try await f.withClient { client in
            for uri in Self.escapes {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound || r.status == .badRequest, "\(uri): \(r.status)")
                    #expect(errorObject(r)["message"] is String, "\(uri)")
                    let body = String(buffer: r.body)
                    #expect(!body.contains("secret\n") && !body.contains("root:"), "\(uri)")
                }
            }
            // The folders' own files are still served.
            try await client.execute(uri: "/api/output/note.txt", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/images/1", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    /// Image 3's file holds bad bytes, image 4's is empty, image 5's is a truncated PNG.
    static func damageImages(_ f: ServerFixture) throws {
        try Data("not an image at all".utf8).write(to: URL(fileURLWithPath: f.images + "/3.png"))
        try Data().write(to: URL(fileURLWithPath: f.images + "/4.png"))
        let png = ServerFixture.imageBytes(5)
        try Data(png.prefix(png.count / 2)).write(to: URL(fileURLWithPath: f.images + "/5.png"))
    }

    static func expect422(_ r: TestResponse, _ what: String) {
        #expect(r.status == .unprocessableContent, "\(what): \(r.status)")
        #expect((errorObject(r)["message"] as? String)?.contains("cannot be read") == true, "\(what): \(String(buffer: r.body))")
    }

    @Test func damagedImagesAre422() async throws {
        let f = try ServerFixture()
        try Self.damageImages(f)
        try await f.withClient { client in
            // Masks 105/106 are image 3's, 107 image 4's, 109 image 5's.
            for uri in ["/api/masks/105.png?overlay=1", "/api/masks/107.png?colormap=jet&overlay=1",
                        "/api/masks/109.png?overlay=1&roi=object", "/api/aggregate/3.png?overlay=1", "/api/aggregate/5.png?overlay=1&op=union"] {
                try await client.execute(uri: uri, method: .get) { r in Self.expect422(r, uri) }
            }
            for image in [3, 4, 5] {
                let sql = "SELECT mask_id FROM masks WHERE image_id = \(image)"
                try await client.execute(uri: "/api/augment", method: .post, body: jsonBody(["sql": sql])) { r in Self.expect422(r, "augment \(image)") }
                try await client.execute(uri: "/api/export", method: .post, body: jsonBody(["sql": sql, "format": "zip", "images": true, "overlays": true])) { r in
                    Self.expect422(r, "export \(image)")
                }
            }
            // The bytes themselves are served as they are; the other images still render.
            try await client.execute(uri: "/api/images/3", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/masks/101.png?overlay=1", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test func unreadableImageFileIs422() async throws {
        let f = try ServerFixture()
        let path = f.images + "/2.png"
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
        // root reads a file of mode 000 anyway; the case is then the readable one.
        let readable = FileManager.default.isReadableFile(atPath: path)
        try await f.withClient { client in
            for uri in ["/api/images/2", "/api/masks/103.png?overlay=1", "/api/aggregate/2.png?overlay=1"] {
                try await client.execute(uri: uri, method: .get) { r in
                    if readable { #expect(r.status == .ok, "\(uri)") } else { Self.expect422(r, uri) }
                }
            }
        }
    }
}
