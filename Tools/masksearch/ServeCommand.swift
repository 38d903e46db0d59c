import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `masksearch serve`: the HTTP server is its own executable, `masksearch-server`, installed
/// beside `masksearch` (Tools/masksearch-server), so that every other command starts without
/// its stack (SwiftNIO, Hummingbird: a fifth of this binary's start-up relocations, and their
/// conformance records, which each first dynamic cast scans). `masksearch serve ARGS` replaces
/// this process by `masksearch-server ARGS` (`execv`): the same options, help, output and exit
/// codes as when the server was linked in.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the web UI and its JSON API (CONTRACT.md section 6).",
        discussion: "`masksearch serve --help` lists its options (the server runs as masksearch-server, beside masksearch).")

    @Argument(parsing: .captureForPassthrough, help: "The server's arguments: DB [--host H] [--port P] [--images DIR] …")
    var arguments: [String] = []

    func run() throws { try ServeCommand.execServer(arguments) }

    /// Replaces this process by `masksearch-server` (in this executable's directory) with
    /// `arguments`; throws (exit 1) only when it cannot.
    static func execServer(_ arguments: [String]) throws -> Never {
        let server = serverPath()
        var argv: [UnsafeMutablePointer<CChar>?] = ([server] + arguments).map { strdup($0) }
        argv.append(nil)
        execv(server, argv)
        let reason = String(cString: strerror(errno))
        throw CommandFailure("error: serve: cannot run \(server): \(reason) (build it: swift build --product masksearch-server)", code: 1)
    }

    /// `masksearch-server` beside the running executable (`/proc/self/exe`, symbolic links resolved).
    private static func serverPath() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("masksearch-server").path
    }
}
