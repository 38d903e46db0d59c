import ArgumentParser
import Foundation
import MaskStorage

/// `masksearch-bench open DB [--repeats R]`: the in-process cost of opening a database and of
/// the first reads that its first-read checks pay for (issue 10: an open independent of the
/// number of masks).
///
/// Prints one JSON object: `masks`, and for each step the median wall milliseconds over
/// `--repeats` runs after one warm-up, each on a freshly opened `Database`:
/// `open_ms` (`Database(path:)`: manifest, mappings, framing checks), `mask_id_ms` (then
/// `builtinColumn(0)`: the chunk checks and a copy of every mask id), `first_value_ms` (then
/// `value(row: 0, column: 0)` of a fresh database: the mask_id chunks' checks), and
/// `roi_sets_ms` (then every ROI set opened for reading in place: its CRC and id-order check).
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Time opening a database and its first reads.")

    @Argument(help: "The database directory.") var db: String
    @Option(help: "Timed runs per step.") var repeats: Int = 11

    func run() throws {
        let open = try steps { _ in }
        let firstValue = try steps { _ = $0.value(row: 0, column: 0) }
        let maskIDs = try steps { _ = $0.builtinColumn(0) }
        let rois = try steps { d in for n in d.roiSetNames { _ = d.roiSet(named: n) } }
        let masks = try Database(path: db).count
        let out = JSON.object([("masks", .int(masks)), ("open_ms", .number(open)), ("first_value_ms", .number(firstValue - open)),
                               ("mask_id_ms", .number(maskIDs - open)), ("roi_sets_ms", .number(rois - open))])
        FileHandle.standardOutput.write(Data((out.text + "\n").utf8))
    }

    /// Median milliseconds of opening the database and running `after` on it.
    private func steps(_ after: (Database) -> Void) throws -> Double {
        var failure: (any Error)?
        let m = measure(repeats: repeats) {
            do {
                let d = try Database(path: db)
                after(d)
                try d.checkIntegrity()
            } catch {
                failure = error
            }
        }
        if let failure { throw BenchFailure("cannot open \(db): \(failure)") }
        return m.median * 1000
    }
}
