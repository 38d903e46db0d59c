import ArgumentParser

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the web UI (not in this release).")
    @Argument var db: String
    func run() throws { throw CommandFailure("error: serve: the web UI is not part of this release", code: 1) }
}
