import ArgumentParser
import Foundation
import MaskServer
import MaskStorage

/// `masksearch-server`, the executable behind `masksearch serve` (which `exec`s it with its own
/// arguments): the HTTP server, in its own binary so that the other commands do not load its
/// stack (SwiftNIO, Hummingbird). Exit codes as `masksearch`'s: 0 success, 2 bad input
/// (usage included), 1 internal error.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masksearch serve",
        abstract: "Serve the web UI and its JSON API (CONTRACT.md section 6).",
        discussion: """
        Listens on 127.0.0.1 unless told otherwise, prints its URL, and stops on Ctrl-C (SIGINT) or SIGTERM.
        The server writes only index entries (as queries do) and files under --output.
        """)

    @Argument(help: "The database directory.") var db: String
    @Option(help: "The address to listen on (another than 127.0.0.1 exposes the database to the network).")
    var host: String = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port: Int = 8080
    @Option(help: "The image folder (<image_id>.png/.jpg); default: the one `ingest --images` recorded.")
    var images: String?
    @Option(name: .customLong("label-column"), help: "The metadata column of the true class.") var labelColumn = "label"
    @Option(name: .customLong("pred-column"), help: "The metadata column of the prediction.") var predColumn = "pred"
    @Option(help: "Where augmented images and exports are written.") var output = "./masksearch-output"
    @Option(name: .customLong("query-runners"),
            help: ArgumentHelp("Indexed queries run at once (others wait for a free runner).", visibility: .hidden))
    var queryRunners = 1

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, not \(port)") }
        guard (1...64).contains(queryRunners) else { throw ValidationError("--query-runners must be in 1...64") }
    }

    /// Parses and runs; failures go to stderr with `masksearch`'s exit codes.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var server = command as? ServerCommand {
                try await server.run()
            } else {
                try command.run()
            }
        } catch let failure as ServerFailure {
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            Foundation.exit(failure.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            // Usage errors are bad input: exit 2 (ArgumentParser would use 64).
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue == 0 ? 0 : 2)
        }
    }

    func run() async throws {
        let configuration = ServerConfiguration(
            databasePath: db, host: host, port: port, imageFolder: images,
            labelColumn: labelColumn, predColumn: predColumn, outputFolder: output, queryRunners: queryRunners)
        let server: MaskServer
        do {
            server = try MaskServer(configuration: configuration)
        } catch let e as ServerError {
            throw ServerFailure(message: "error: \(e.description)", code: 2)
        } catch let e as StorageError {
            throw ServerFailure(message: e.description, code: e.isUserError ? 2 : 1)
        } catch {
            throw ServerFailure(message: "error: \(error)", code: 1)
        }
        do {
            try await server.run { url in
                // Written unbuffered: whoever started the server waits for this line.
                FileHandle.standardOutput.write(Data("masksearch: serving \(db) at \(url) (Ctrl-C stops)\n".utf8))
            }
        } catch {
            throw ServerFailure(message: "error: serve: \(error)", code: 1)
        }
    }
}

/// A failure already explained: `message` goes to stderr, `code` is the exit code.
struct ServerFailure: Error {
    var message: String
    var code: Int32
}
