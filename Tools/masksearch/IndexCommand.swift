import ArgumentParser
import Foundation
import MaskIndex
import MaskStorage

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build the Cumulative Histogram Index for every mask not yet indexed.",
        discussion: """
        Queries index the masks they read on their own; this builds the rest now, and each named
        ROI set's histograms (the counts of every mask's own box, per bin) where they are missing.
        With --bins or --cell other than the current index's, a complete new index replaces the
        old one atomically.
        """)

    @Argument(help: "The database directory.") var db: String
    @Option(help: "Value bins per histogram (2...256; default 20, or the current index's).") var bins: Int?
    @Option(help: "Grid cell size in pixels (default: the longer mask side / 16, at least 16; or the current index's).") var cell: Int?

    func run() throws {
        if ShardedCommands.isSharded(db) { return try ShardedCommands.index(db, bins: bins, cell: cell) }
        let bar = ProgressBar("index")
        let s = try runReportingErrors { try IndexBuilder.build(databasePath: db, bins: bins, cell: cell, progress: bar.update) }
        bar.finish()
        let rate = s.seconds > 0 ? Double(s.built) / s.seconds : 0
        var line = "indexed \(s.built) masks (\(s.alreadyIndexed) already indexed) with bins \(s.parameters.bins), cell \(s.parameters.cell)"
        line += String(format: " in %.2f s (%.0f masks/s); index size %.1f MB", s.seconds, rate, Double(s.indexBytes) / 1e6)
        if let old = s.replacedParameters { line += "; replaced the index with bins \(old.bins), cell \(old.cell)" }
        print(line)
        if s.roiHistogramFiles > 0 { print("built \(s.roiHistogramFiles) ROI histogram files (exact counts of named ROI sets' boxes)") }
        for d in s.replacedDamaged { print("rebuilt an unusable index file: \(d)") }
    }
}
