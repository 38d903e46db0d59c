import ArgumentParser
import Foundation
import MaskServer
import MaskStorage

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
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

    func run() async throws {
        let configuration = ServerConfiguration(
            databasePath: db, host: host, port: port, imageFolder: images,
            labelColumn: labelColumn, predColumn: predColumn, outputFolder: output, queryRunners: queryRunners)
        let server: MaskServer
        do {
            server = try MaskServer(configuration: configuration)
        } catch let e as ServerError {
            throw CommandFailure("error: \(e.description)", code: 2)
        } catch {
            throw CommandFailure.from(error)
        }
        do {
            try await server.run { url in
                // Written unbuffered: whoever started the server waits for this line.
                FileHandle.standardOutput.write(Data("masksearch: serving \(db) at \(url) (Ctrl-C stops)\n".utf8))
            }
        } catch {
            throw CommandFailure("error: serve: \(error)", code: 1)
        }
    }
}
