import ArgumentParser
import CLZ4
import CMaskKernels
import Foundation
import MaskFormat
import MaskIndex
import MaskStorage

/// `masksearch-bench limits DB`: the throughput ceilings the engine works against, measured
/// on the database's own data, warm (everything in the page cache), 1 and 2 threads:
///
/// - `lz4_decode_engine`: `SegmentReader.decodeBlock` over every block of every segment (block
///   header check + payload CRC-32C + `LZ4_decompress_safe`): the decode limit of a full scan.
/// - `lz4_decode_raw` / `lz4_compress_raw`: liblz4 alone (`LZ4_decompress_safe`,
///   `LZ4_compress_default` on the stored bands), without checks.
/// - `count_in_cache` / `count_streaming`: `cmk_count_box_*` over whole decoded masks, one
///   mask repeatedly (L1/L2 resident) or a buffer of up to `--buffer-mb` decoded masks.
/// - `crc32c`: `cmk_crc32c` over the decoded buffer.
/// - `chi_build`: `CHIBuilder.build` over the decoded buffer (GB/s of mask).
/// - `bounds_database_index`: `DatabaseIndex.bounds(row:box:codes:)` for one constant ROI over
///   all masks (plans per call, as the executor's bounds source does); `bounds_planned`: one
///   `BoundsPlan` per segment, then `CHIFile.bounds(plan, mask:)`. Needs `masksearch index`.
struct LimitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "limits", abstract: "Measure the machine's throughput ceilings on DB.")

    @Argument(help: "The database directory.") var db: String
    @Option(help: "Timed passes per figure (median reported).") var repeats: Int = 5
    @Option(help: "Decoded masks kept in memory for the count/CRC/CHI figures, MB.") var bufferMb: Int = 1024
    @Option(help: "Thread counts, comma-separated.") var threads: String = "1,2"
    @Option(help: "ROI of the bound figure: x0,y0,x1,y1.") var box: String = "56,56,168,168"
    @Option(help: "Value range of the bound and count figures.") var lv: Double = 0.8
    @Option(help: "Value range of the bound and count figures.") var uv: Double = 1.0
    @Option(help: "Only these figure groups, comma-separated: lz4, count, crc, chi, bounds (default all; for profiling).")
    var only: String = "lz4,count,crc,chi,bounds"

    func run() throws {
        let database: Database
        do { database = try Database(path: db) } catch { throw BenchFailure("cannot open \(db): \(error)") }
        let groups = Set(only.split(separator: ",").map(String.init))
        let parts = box.split(separator: ",").compactMap { Int($0) }
        guard parts.count == 4 else { throw BenchFailure("--box must be x0,y0,x1,y1") }
        let bench = LimitsBench(database: database, repeats: repeats, threadCounts: threads.split(separator: ",").compactMap { Int($0) },
                                codes: database.pixelFormat.codeInterval(lower: lv, upper: uv))
        var out = bench.description(path: db)
        if groups.contains("lz4") { out += bench.lz4Decode() }
        if !groups.isDisjoint(with: ["lz4", "count", "crc", "chi"]) { out += bench.fillBuffer(megabytes: bufferMb) }
        if groups.contains("lz4") { out += bench.lz4Compress() }
        if groups.contains("count") { out += bench.counting() }
        if groups.contains("crc") { out += bench.crc() }
        if groups.contains("chi") { out += bench.chiBuild() }
        if groups.contains("bounds") {
            let roi = PixelBox(x0: parts[0], y0: parts[1], x1: parts[2], y1: parts[3])
            out += bench.boundEvaluation(box: roi.clipped(width: database.width, height: database.height))
        }
        out += bench.checks()
        print(JSON.object(out).text)
    }
}

/// The measurements of `LimitsCommand`, one method per figure group, sharing the database's
/// block list, a buffer of decoded masks and per-worker sinks (so the compiler cannot drop the
/// measured work).
final class LimitsBench {
    let database: Database
    let repeats: Int
    let threadCounts: [Int]
    let codes: CodeInterval
    let maskBytes: Int
    /// Every block of every segment: (segment, block).
    let blocks: [(seg: Int32, index: Int32)]
    let rawTotal: Int, storedTotal: Int, maxRaw: Int
    private(set) var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 64)
    private(set) var bufferMasks = 0
    let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
    let sinks = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 64 * 8)

    init(database: Database, repeats: Int, threadCounts: [Int], codes: CodeInterval) {
        self.database = database
        self.repeats = repeats
        self.threadCounts = threadCounts
        self.codes = codes
        maskBytes = database.height * database.width * database.pixelFormat.bytesPerPixel
        var blocks: [(seg: Int32, index: Int32)] = []
        var rawTotal = 0, storedTotal = 0, maxRaw = 0
        for (s, seg) in database.segments.enumerated() {
            for i in 0..<seg.blockCount {
                let d = seg.block(i)
                blocks.append((Int32(s), Int32(i)))
                rawTotal += Int(d.rawSize)
                storedTotal += Int(d.storedSize) + SegmentLayout.blockHeaderSize
                maxRaw = max(maxRaw, Int(d.rawSize))
            }
        }
        (self.blocks, self.rawTotal, self.storedTotal, self.maxRaw) = (blocks, rawTotal, storedTotal, maxRaw)
        failures.initialize(repeating: 0)
        sinks.initialize(repeating: 0)
    }

    deinit {
        buffer.deallocate()
        failures.deallocate()
        sinks.deallocate()
    }

    /// The database and the run's settings.
    func description(path: String) -> [(String, JSON)] {
        let format = database.pixelFormat
        return [
            ("database", .string(path)), ("masks", .int(database.count)), ("height", .int(database.height)),
            ("width", .int(database.width)), ("pixel_format", .string(format.description)), ("isa", .int(Int(cmk_active_isa()))),
            ("cores", .int(Parallel.coreCount)), ("repeats", .int(repeats)),
            ("blocks", .int(blocks.count)), ("band_rows", .int(database.segments.first?.header.bandRows ?? 0)),
            ("decoded_bytes", .int(rawTotal)), ("stored_block_bytes", .int(storedTotal)),
            ("segment_file_bytes", .int(database.segments.reduce(0) { $0 + $1.file.count })),
        ]
    }

    /// `work / seconds` of `body(threads)` for each thread count: median, runs, per CPU-second.
    func perThreads(_ work: Double, _ body: (Int) -> Void) -> [(Int, Double, [Double], Double)] {
        threadCounts.map { t in
            let m = measure(repeats: repeats) { body(t) }
            return (t, work / m.median, m.runs.map { work / $0 }, work / m.cpu)
        }
    }

    /// Runs `body(block, scratch, worker)` over every block, split evenly across `t` workers.
    func forBlocks(_ t: Int, _ body: (Int, UnsafeMutableRawBufferPointer, Int) -> Void) {
        Parallel.run(workers: t) { worker in
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, self.maxRaw * 2), alignment: 64)
            defer { scratch.deallocate() }
            let lo = self.blocks.count * worker / t, hi = self.blocks.count * (worker + 1) / t
            for b in lo..<hi { body(b, scratch, worker) }
        }
    }

    /// Runs `body(mask, worker)` over the decoded buffer, split evenly across `t` workers.
    func forMasks(_ t: Int, _ body: (Int, Int) -> Void) {
        Parallel.run(workers: t) { worker in
            let lo = self.bufferMasks * worker / t, hi = self.bufferMasks * (worker + 1) / t
            for m in lo..<hi { body(m, worker) }
        }
    }

    /// `lz4_decode_engine` (checks + CRC + decompress, as a scan does) and `lz4_decode_raw` (liblz4 alone).
    func lz4Decode() -> [(String, JSON)] {
        let engine = perThreads(Double(rawTotal) / 1e9) { t in
            forBlocks(t) { b, scratch, worker in
                let (s, i) = self.blocks[b]
                let seg = self.database.segments[Int(s)]
                let n = Int(seg.block(Int(i)).rawSize)
                do { try seg.decodeBlock(Int(i), into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<n])) } catch { self.failures[worker] += 1 }
            }
        }
        let raw = perThreads(Double(rawTotal) / 1e9) { t in
            forBlocks(t) { b, scratch, worker in
                let (s, i) = self.blocks[b]
                let seg = self.database.segments[Int(s)]
                let d = seg.block(Int(i))
                let payload = seg.file.bytes.baseAddress! + Int(d.payloadOffset)
                if d.isRaw {
                    scratch.baseAddress!.copyMemory(from: payload, byteCount: Int(d.rawSize))
                } else {
                    let n = LZ4_decompress_safe(payload.assumingMemoryBound(to: CChar.self),
                                                scratch.baseAddress!.assumingMemoryBound(to: CChar.self),
                                                Int32(d.storedSize), Int32(d.rawSize))
                    if Int(n) != Int(d.rawSize) { self.failures[worker] += 1 }
                }
            }
        }
        return [("lz4_decode_engine", threadFigure("GB/s of decoded bytes", engine)),
                ("lz4_decode_raw", threadFigure("GB/s of decoded bytes", raw))]
    }

    /// Decodes up to `megabytes` of masks into the buffer the count/CRC/CHI/compress figures use.
    func fillBuffer(megabytes: Int) -> [(String, JSON)] {
        bufferMasks = max(1, min(database.count, megabytes * 1_000_000 / maskBytes))
        buffer.deallocate()
        buffer = .allocate(byteCount: bufferMasks * maskBytes, alignment: 64)
        let (buffer, maskBytes, height) = (self.buffer, self.maskBytes, database.height)
        Parallel.forEachChunk(count: bufferMasks) { range in
            for m in range {
                let dst = UnsafeMutableRawBufferPointer(rebasing: buffer[(m * maskBytes)..<((m + 1) * maskBytes)])
                do { try self.database.readPixels(row: m, rows: 0..<height, into: dst) } catch { self.failures[63] += 1 }
            }
        }
        return [("buffer_masks", .int(bufferMasks))]
    }

    /// `lz4_compress_raw`: liblz4 alone on the decoded buffer's bands.
    func lz4Compress() -> [(String, JSON)] {
        let w = database.width, format = database.pixelFormat
        let bandBytes = (database.segments.first?.header.bandRows ?? database.height) * w * format.bytesPerPixel
        let bandsPerMask = (maskBytes + bandBytes - 1) / bandBytes
        let compress = perThreads(Double(bufferMasks * maskBytes) / 1e9) { t in
            forMasks(t) { m, worker in
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(LZ4_compressBound(Int32(bandBytes)))) { dst in
                    for b in 0..<bandsPerMask {
                        let start = m * self.maskBytes + b * bandBytes, n = min(bandBytes, self.maskBytes - b * bandBytes)
                        let src = (self.buffer.baseAddress! + start).assumingMemoryBound(to: CChar.self)
                        self.sinks[worker * 8] &+= UInt64(LZ4_compress_default(src, dst.baseAddress!, Int32(n), Int32(dst.count)))
                    }
                }
            }
        }
        return [("lz4_compress_raw", threadFigure("GB/s of raw input", compress))]
    }

    /// `cmk_count_box_*` over the whole of the mask at `base`.
    func count(_ base: UnsafeRawPointer) -> UInt64 {
        let (w, h) = (database.width, database.height)
        switch database.pixelFormat {
        case .uint8: return cmk_count_box_u8(base.assumingMemoryBound(to: UInt8.self), w, w, h, codes.lo, codes.hi)
        case .float16: return cmk_count_box_u16(base.assumingMemoryBound(to: UInt16.self), w, w, h, codes.lo, codes.hi)
        case .float32: return cmk_count_box_u32(base.assumingMemoryBound(to: UInt32.self), w, w, h, codes.lo, codes.hi)
        }
    }

    /// `count_in_cache` (one mask repeatedly) and `count_streaming` (the decoded buffer).
    func counting() -> [(String, JSON)] {
        let inCacheIterations = max(1, 256_000_000 / maskBytes)
        let inCache = perThreads(Double(inCacheIterations * maskBytes) / 1e9) { t in
            Parallel.run(workers: t) { worker in
                let base = UnsafeRawPointer(self.buffer.baseAddress! + (self.bufferMasks * worker / t) * self.maskBytes)
                for _ in 0..<(inCacheIterations / t) { self.sinks[worker * 8] &+= self.count(base) }
            }
        }
        let streaming = perThreads(Double(bufferMasks * maskBytes) / 1e9) { t in
            forMasks(t) { m, worker in self.sinks[worker * 8] &+= self.count(UnsafeRawPointer(self.buffer.baseAddress! + m * self.maskBytes)) }
        }
        return [("count_in_cache", threadFigure("GB/s of mask (full box, one mask repeatedly)", inCache)),
                ("count_streaming", threadFigure("GB/s of mask (full box, decoded buffer)", streaming))]
    }

    /// `crc32c` over the decoded buffer.
    func crc() -> [(String, JSON)] {
        let crc = perThreads(Double(bufferMasks * maskBytes) / 1e9) { t in
            forMasks(t) { m, worker in
                self.sinks[worker * 8] &+= UInt64(cmk_crc32c(0, self.buffer.baseAddress! + m * self.maskBytes, self.maskBytes))
            }
        }
        return [("crc32c", threadFigure("GB/s", crc))]
    }

    /// The grid of the database's index parameters (or the defaults).
    var grid: CHIGrid {
        let params = database.manifest.index ?? .defaults(height: database.height, width: database.width)
        return CHIGrid(height: database.height, width: database.width, cell: params.cell, bins: params.bins, pixelFormat: database.pixelFormat)
    }

    /// `chi_build`: `CHIBuilder.build` over the decoded buffer.
    func chiBuild() -> [(String, JSON)] {
        let grid = self.grid, maskBytes = self.maskBytes
        let chiMasks = min(bufferMasks, max(64, 400_000_000 / maskBytes))
        let chi = threadCounts.map { t -> (Int, Double, [Double], Double) in
            let builders = (0..<t).map { _ in CHIBuilder(grid: grid) }
            let m = measure(repeats: repeats) {
                Parallel.run(workers: t) { worker in
                    for i in (chiMasks * worker / t)..<(chiMasks * (worker + 1) / t) {
                        builders[worker].build(codes: UnsafeRawBufferPointer(rebasing: self.buffer[(i * maskBytes)..<((i + 1) * maskBytes)]))
                    }
                }
            }
            let gb = Double(chiMasks * maskBytes) / 1e9
            return (t, gb / m.median, m.runs.map { gb / $0 }, gb / m.cpu)
        }
        return [("chi_build", threadFigure("GB/s of mask (all threads; divide by threads for per core)", chi)),
                ("chi_parameters", .object([("bins", .int(grid.bins)), ("cell", .int(grid.cell)), ("keys", .int(grid.keyCount))]))]
    }

    /// The failure count and a checksum of the sinks.
    func checks() -> [(String, JSON)] {
        [("failures", .int(failures.reduce(0, +))), ("checksum_sink", .int(Int(truncatingIfNeeded: sinks.reduce(0, &+) & 0xffff)))]
    }
}
