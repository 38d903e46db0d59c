import ArgumentParser
import MaskInspect

/// `masksearch dump FILE`: a thin shell over MaskInspect. Exit codes: 0 clean, 1 corruption
/// found, 2 the file is missing or not a masksearch file.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Inspect a segment (seg-*.mss), MANIFEST, ROI set (roi-*.msr) or index (chi-*.chi) file and check it.",
        discussion: """
        Prints a summary with declared counts beside recomputed ones, a `corruption:` line per
        problem found (the dump goes on past damage) and the number of corruptions.
        Exit code 0: no corruption; 1: corruption found; 2: missing or not a masksearch file.
        """)

    @Argument(help: "The file to inspect.") var file: String
    @Flag(help: "Also show the header and footer: hex and each field at its offset.") var header = false
    @Flag(help: "Also show a row per block (per box for an ROI set).") var blocks = false
    @Flag(help: "Write the summary and the blocks as one JSON object instead.") var json = false

    func run() throws {
        let dumper: any FileDumper
        do {
            dumper = try FileDump.open(path: file)
        } catch {
            throw CommandFailure(error.description, code: 2)
        }
        var out = StandardOutput()
        let corruptions = dumper.write(DumpOptions(header: header, blocks: blocks, json: json), to: &out)
        if corruptions > 0 {
            throw CommandFailure("error: \(file): \(corruptions) corruption\(corruptions == 1 ? "" : "s") found", code: 1)
        }
    }
}

/// Standard output as a `TextOutputStream`.
struct StandardOutput: TextOutputStream {
    mutating func write(_ string: String) { print(string, terminator: "") }
}
