import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import MaskServer

/// Issue 14 item 5: oversized and slow requests are refused on a live server (raw sockets):
/// a body over the limit gets 413 without being read, an over-long request line or header
/// block 400, a trickled header block is cut off by the idle timeout and a trickled body by
/// the body timeout (408) — and meanwhile queries on other connections are answered.
@Suite(.serialized) struct RequestLimitsTests {
    static let query = "{\"sql\": \"SELECT mask_id FROM masks ORDER BY CP(mask, object, 0.5, 1.0) DESC LIMIT 3\"}"

    /// A normal query on its own connection, while a slow one is held open.
    static func answersAQuery(_ client: any TestClientProtocol) async throws -> Bool {
        try await client.execute(uri: "/api/query", method: .post, body: ByteBuffer(string: query)) { r in
            r.status == .ok && (json(r)["rows"] as? [[Int]])?.count == 3
        }
    }

    /// Sends `byte` `count` times, one per 50 ms, until the server closes; meanwhile a query
    /// on another connection must be answered. Returns what the server sent, whether it
    /// closed, and how many bytes went out.
    static func trickle(_ byte: String, count: Int, on c: RawConnection,
                        meanwhile client: any TestClientProtocol) async throws -> (String, Bool, Int) {
        let sender = Task.detached { () -> Int in
            var sent = 0
            for _ in 0..<count {
                guard c.send(byte) else { break }
                sent += 1
                try? await Task.sleep(for: .milliseconds(50))
            }
            return sent
        }
        #expect(try await answersAQuery(client))
        let (text, closed) = try await offTask { c.readToEnd() }
        return (text, closed, await sender.value)
    }

    @Test func contentLengthOverTheLimitIs413Unread() async throws {
        let f = try ServerFixture()
        try await f.withLiveServer(timeoutSeconds: 30) { port, _ in
            let (text, closed) = try await offTask {
                let c = try RawConnection(port: port)
                // 100 MiB announced, 1 KiB sent: the answer comes without the rest.
                c.send("POST /api/query HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(100 << 20)\r\n\r\n")
                c.send([UInt8](repeating: 0x20, count: 1024))
                return c.readToEnd()
            }
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text)")
            #expect(text.lowercased().contains("connection: close"))
            #expect(text.contains("{\"error\": {\"message\": \"request body of 104857600 bytes is larger than 1048576 bytes\"}}"))
            #expect(closed)
        }
    }

    @Test func chunkedBodyOverTheLimitIs413AndClosed() async throws {
        let f = try ServerFixture()
        try await f.withLiveServer(timeoutSeconds: 30) { port, client in
            let (text, closed) = try await offTask {
                let c = try RawConnection(port: port)
                c.send("POST /api/query HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = "10000\r\n" + String(repeating: " ", count: 0x10000) + "\r\n"
                for _ in 0..<40 { guard c.send(chunk) else { break } }  // 2.5 MiB, or until the server closes
                return c.readToEnd()
            }
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
            #expect(closed)
            #expect(try await Self.answersAQuery(client))
        }
    }

    @Test(arguments: [
        "GET /api/info?x=\(String(repeating: "a", count: 20_000)) HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /api/info HTTP/1.1\r\nHost: t\r\nX-Long: \(String(repeating: "b", count: 20_000))\r\n\r\n",
        "GET /api/info HTTP/1.1\r\nHost: t\r\n" + (0..<200).map { "X-H\($0): v\r\n" }.joined() + "\r\n",
        "GET /api/info HTTP/1.1\r\nHost: t\r\n" + (0..<8).map { "X-H\($0): \(String(repeating: "c", count: 10_000))\r\n" }.joined() + "\r\n",
    ])
    func overLongRequestLinesAndHeadersAre400(request: String) async throws {
        let f = try ServerFixture()
        try await f.withLiveServer(timeoutSeconds: 30) { port, client in
            let (text, closed) = try await offTask {
                let c = try RawConnection(port: port)
                c.send(request)
                return c.readToEnd()
            }
            #expect(text.hasPrefix("HTTP/1.1 400"), "\(text.prefix(200))")
            #expect(closed)
            #expect(try await Self.answersAQuery(client))
        }
    }

    @Test func trickledHeadersAreCutOffByTheIdleTimeout() async throws {
        let f = try ServerFixture()
        try await f.withLiveServer(timeoutSeconds: 1) { port, client in
            let c = try RawConnection(port: port)
            c.send("GET /api/info HTTP/1.1\r\nHost: t\r\n")
            // A header of 10,000 bytes, one byte per 50 ms (8 minutes in all), never finished.
            let (text, closed, sent) = try await Self.trickle("x", count: 10_000, on: c, meanwhile: client)
            #expect(closed)
            #expect(text.isEmpty || text.hasPrefix("HTTP/1.1 4"), "\(text.prefix(200))")
            #expect(sent < 10_000)
        }
    }

    @Test func trickledBodyIs408() async throws {
        let f = try ServerFixture()
        try await f.withLiveServer(timeoutSeconds: 1) { port, client in
            let c = try RawConnection(port: port)
            c.send("POST /api/query HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n")
            // One body byte per 50 ms keeps the connection from being idle; the body timeout ends it.
            let (text, closed, sent) = try await Self.trickle(" ", count: 5000, on: c, meanwhile: client)
            #expect(text.hasPrefix("HTTP/1.1 408"), "\(text.prefix(200))")
            #expect(text.contains("{\"error\": {\"message\": \"request body not received within 1 s\"}}"))
            #expect(closed)
            #expect(sent < 5000)
        }
    }

    @Test func requestsWithinTheLimitsKeepTheirConnection() async throws {
        let f = try ServerFixture()
        try await f.withLiveServer(timeoutSeconds: 30) { port, _ in
            let text = try await offTask { () -> String in
                let c = try RawConnection(port: port, receiveTimeoutSeconds: 30)
                let body = Array(Self.query.utf8)
                let head = "POST /api/query HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                // Two requests on one connection, the second asking to close it after.
                c.send(Array(head.utf8) + body)
                c.send(Array(head.replacingOccurrences(of: "Host: t\r\n", with: "Host: t\r\nConnection: close\r\n").utf8) + body)
                return c.readToEnd().text
            }
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "\(text.prefix(300))")
        }
    }
}
