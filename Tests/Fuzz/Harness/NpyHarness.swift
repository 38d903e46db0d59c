import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
#if canImport(Glibc)
import Glibc
#endif

/// `fuzz-npy`: the input is an `.npy` file. Its header goes through `NpyHeader.parse`, then the
/// whole file is ingested into a new database twice, as a file (`IngestSource.path`, mapped) and
/// as a stream (`IngestSource.stream`, read sequentially as from a pipe); a database that ingest
/// accepted is opened, checked and queried, so the pixels go through the encoder, the segment
/// writer and back through the reader. The input's length picks the ingest options (storage
/// precision, `--clip`) so every path of `PixelEncoder` is reached. Errors are correct outcomes.
public enum NpyHarness {
    /// Storage precisions cycled through by input length (nil: the input's own).
    static let formats: [PixelFormat?] = [nil, .uint8, .float16, .float32]

    /// Runs one input. - Complexity: O(input) plus an ingest of at most a few masks.
    /// Inputs declaring a larger mask are only parsed: ingest holds one mask (and its encoded
    /// copy) in memory whatever the data, so a 20-byte stream declaring a 2 GB mask would stop
    /// the fuzzer at its malloc limit, which is not a finding.
    static let maxDeclaredMaskBytes = 64 << 20

    public static func run(_ data: UnsafeRawBufferPointer) {
        if let header = try? NpyHeader.parse([UInt8](data), file: "fuzz.npy"),
           declaredMaskBytes(header) > maxDeclaredMaskBytes {
            return
        }
        let dir = FuzzScratch.fresh("npy")
        let file = dir + "/input.npy"
        guard FuzzScratch.write(data, to: file) else { return }
        var options = Ingester.Options()
        options.pixelFormat = formats[data.count % formats.count]
        options.clip = data.count % 8 >= 4
        if (try? Ingester.ingest(into: dir + "/mapped", inputs: [file], options: options)) != nil {
            query(dir + "/mapped")
        }
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if (try? Ingester.ingest(into: dir + "/streamed", sources: [.stream(fd: fd, name: "fuzz stream")],
                                 options: options)) != nil {
            query(dir + "/streamed")
        }
    }

    /// The bytes of one mask `header` declares (its last two dimensions), saturating at Int.max.
    static func declaredMaskBytes(_ header: NpyHeader) -> Int {
        var total = header.elementType.size
        for side in header.shape.suffix(2) {
            let (product, overflow) = total.multipliedReportingOverflow(by: max(side, 0))
            total = overflow ? .max : product
        }
        return total
    }

    /// Opens the database ingest made, checks it and reads every mask back through a query.
    static func query(_ path: String) {
        guard let database = try? Database(path: path) else { return }
        try? database.checkIntegrity()
        guard let session = try? QuerySession(path: path) else { return }
        _ = try? session.run("SELECT mask_id, CP(mask, full, 0.5, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 3")
    }
}
