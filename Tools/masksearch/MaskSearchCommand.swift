import ArgumentParser
import Foundation
import MaskFormat
import MaskQuery
import MaskStorage

/// The `masksearch` tool: a thin shell over the libraries. Each subcommand parses its
/// arguments, calls one library entry point and prints the result.
///
/// Exit codes (CONTRACT.md section 4): 0 success, 2 bad input or bad query (including bad
/// command-line usage), 1 internal error.
@main
struct MaskSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masksearch",
        abstract: "Store image masks and query them fast with a Cumulative Histogram Index.",
        version: "masksearch 0.10.0 (segment format \(SegmentLayout.writeVersion))",
        subcommands: [IngestCommand.self, ROICommand.self, IndexCommand.self, QueryCommand.self, ExportCommand.self, AugmentCommand.self, DumpCommand.self, ShardCommand.self,
                      ServeCommand.self, GenerateCommand.self, DemoCommand.self])

    /// Parses, then runs the subcommand (awaiting it when it is async, as `serve` is).
    static func main() async {
        // A read error on a mapped database file is a SIGBUS: an error naming the file, exit 1.
        MappedFile.guardReads()
        do {
            if let query = parseQuery() {
                try query.run()
                return
            }
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            Foundation.exit(failure.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            // Usage errors are bad input: exit 2 (ArgumentParser would use 64).
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue == 0 ? 0 : 2)
        }
    }
}

extension MaskSearchCommand {
    /// Words that make ArgumentParser answer instead of parsing (help, version, completion).
    private static let builtinFlags = ["-h", "--help", "help", "--version", "--experimental-dump-help"]

    /// The request of `masksearch query …`, parsed without the root's parse (which reflects
    /// over the arguments of every subcommand): by `QueryRequest(fastArguments:)` when it takes
    /// the form, else by `QueryCommand` alone. nil for any other command, for help, version or
    /// completion words, and when the parse fails, so that every message and exit code stays
    /// the root parse's. - Complexity: O(arguments).
    static func parseQuery() -> QueryRequest? {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.first == QueryCommand.configuration.commandName,
              !arguments.contains(where: { builtinFlags.contains($0) || $0.hasPrefix("--generate-completion") }) else {
            return nil
        }
        let words = Array(arguments.dropFirst())
        return QueryRequest(fastArguments: words) ?? (try? QueryCommand.parse(words))?.request
    }
}

/// A failure already explained to the user: the message goes to stderr, `code` is the exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32

    init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }

    init(_ error: StorageError) {
        self.init(error.description, code: error.isUserError ? 2 : 1)
    }

    /// Maps any library error to a failure with the right exit code.
    static func from(_ error: any Error) -> CommandFailure {
        if let f = error as? CommandFailure { return f }
        if let s = error as? StorageError { return CommandFailure(s) }
        if let q = error as? QueryError { return CommandFailure(q.description, code: q.exitCode) }
        return CommandFailure("error: \(error)", code: 1)
    }
}

/// Runs `body`, turning library errors into `CommandFailure`s.
func runReportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CommandFailure.from(error)
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar {
    let label: String
    let enabled = isatty(2) != 0
    private var lastDrawn = -1

    init(_ label: String) { self.label = label }

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let permille = done * 1000 / total
        guard permille != lastDrawn else { return }
        lastDrawn = permille
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let line = "\r\(label) [\(bar)] \(permille / 10)% \(done)/\(total)"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled && lastDrawn >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
