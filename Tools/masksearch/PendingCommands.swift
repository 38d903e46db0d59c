import ArgumentParser

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the web UI (not in this release).")
    @Argument var db: String
    func run() throws { throw CommandFailure("error: serve: the web UI is not part of this release", code: 1) }
}
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate a dataset.")
    @Argument var dir: String
    func run() throws { throw CommandFailure("error: generate: not implemented yet", code: 1) }
}
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Generate, ingest, index, query.")
    func run() throws { throw CommandFailure("error: demo: not implemented yet", code: 1) }
}
