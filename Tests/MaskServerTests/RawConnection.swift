import Foundation
import Hummingbird
import HummingbirdTesting
#if canImport(Glibc)
import Glibc
#endif
@testable import MaskServer

/// A TCP connection to a live server on loopback, bytes in and out as written — for requests
/// no HTTP client sends (oversized, trickled, malformed). Blocking calls; every read has a
/// receive timeout so a test never hangs.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int, receiveTimeoutSeconds: Int = 60) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawConnectionError("socket: errno \(errno)") }
        var tv = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw RawConnectionError("connect: errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the peer has closed (EPIPE, ECONNRESET), never SIGPIPE.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Everything the server sends until it closes the connection (or the receive timeout;
    /// `closed` says which).
    func readToEnd() -> (text: String, closed: Bool) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { bytes += buffer[0..<n]; continue }
            let closed = n == 0 || errno == ECONNRESET
            return (String(decoding: bytes, as: UTF8.self), closed)
        }
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ServerFixture {
    /// Runs `body` with the port of a live server (the real HTTP/1 pipeline and its limits)
    /// whose idle and body timeouts are `timeoutSeconds`.
    func withLiveServer(timeoutSeconds: Int, _ body: @escaping @Sendable (Int, any TestClientProtocol) async throws -> Void) async throws {
        var configuration = configuration(runners: 1)
        configuration.idleTimeoutSeconds = timeoutSeconds
        configuration.bodyTimeoutSeconds = timeoutSeconds
        let server = try MaskServer(configuration: configuration, web: StaticFiles(files: [:]))
        try await server.application().test(.live) { client in
            try await body(client.port ?? 0, client)
        }
    }
}

/// Runs blocking socket work off the test's task.
func offTask<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Blocking.run(body)
}
