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
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        let format = database.pixelFormat
        let (h, w) = (database.height, database.width)
        let maskBytes = h * w * format.bytesPerPixel
        let codes = format.codeInterval(lower: lv, upper: uv)
        var out: [(String, JSON)] = [
            ("database", .string(db)), ("masks", .int(database.count)), ("height", .int(h)), ("width", .int(w)),
            ("pixel_format", .string(format.description)), ("isa", .int(Int(cmk_active_isa()))),
            ("cores", .int(Parallel.coreCount)), ("repeats", .int(repeats)),
        ]

        // ---- blocks of every segment
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
        out.append(("blocks", .int(blocks.count)))
        out.append(("band_rows", .int(database.segments.first?.header.bandRows ?? 0)))
        out.append(("decoded_bytes", .int(rawTotal)))
        out.append(("stored_block_bytes", .int(storedTotal)))
        out.append(("segment_file_bytes", .int(database.segments.reduce(0) { $0 + $1.file.count })))

        func perThreads(_ work: Double, _ body: (Int) -> Void) -> [(Int, Double, [Double], Double)] {
            threadCounts.map { t in
                let m = measure(repeats: repeats) { body(t) }
                return (t, work / m.median, m.runs.map { work / $0 }, work / m.cpu)
            }
        }
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        failures.initialize(repeating: 0)
        defer { failures.deallocate() }
        func forBlocks(_ t: Int, _ body: (Int, UnsafeMutableRawBufferPointer, Int) -> Void) {
            Parallel.run(workers: t) { worker in
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, maxRaw * 2), alignment: 64)
                defer { scratch.deallocate() }
                let lo = blocks.count * worker / t, hi = blocks.count * (worker + 1) / t
                for b in lo..<hi { body(b, scratch, worker) }
            }
        }

        // ---- LZ4 decode as the engine does it (checks + CRC + decompress)
        if groups.contains("lz4") {
        let engineDecode = perThreads(Double(rawTotal) / 1e9) { t in
            forBlocks(t) { b, scratch, worker in
                let (s, i) = blocks[b]
                let seg = database.segments[Int(s)]
                let n = Int(seg.block(Int(i)).rawSize)
                do { try seg.decodeBlock(Int(i), into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<n])) } catch { failures[worker] += 1 }
            }
        }
        out.append(("lz4_decode_engine", threadFigure("GB/s of decoded bytes", engineDecode)))

        // ---- liblz4 alone
        let rawDecode = perThreads(Double(rawTotal) / 1e9) { t in
            forBlocks(t) { b, scratch, worker in
                let (s, i) = blocks[b]
                let seg = database.segments[Int(s)]
                let d = seg.block(Int(i))
                let payload = seg.file.bytes.baseAddress! + Int(d.payloadOffset)
                if d.isRaw {
                    scratch.baseAddress!.copyMemory(from: payload, byteCount: Int(d.rawSize))
                } else {
                    let n = LZ4_decompress_safe(payload.assumingMemoryBound(to: CChar.self),
                                                scratch.baseAddress!.assumingMemoryBound(to: CChar.self),
                                                Int32(d.storedSize), Int32(d.rawSize))
                    if Int(n) != Int(d.rawSize) { failures[worker] += 1 }
                }
            }
        }
        out.append(("lz4_decode_raw", threadFigure("GB/s of decoded bytes", rawDecode)))
        }

        // ---- decoded buffer
        let needBuffer = !groups.isDisjoint(with: ["lz4", "count", "crc", "chi"])
        let bufferMasks = needBuffer ? max(1, min(database.count, bufferMb * 1_000_000 / maskBytes)) : 1
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferMasks * maskBytes, alignment: 64)
        defer { buffer.deallocate() }
        if needBuffer { Parallel.forEachChunk(count: bufferMasks) { range in
            for m in range {
                let dst = UnsafeMutableRawBufferPointer(rebasing: buffer[(m * maskBytes)..<((m + 1) * maskBytes)])
                do { try database.readPixels(row: m, rows: 0..<h, into: dst) } catch { failures[63] += 1 }
            }
        } }
        let bufferBytes = Double(bufferMasks * maskBytes)
        out.append(("buffer_masks", .int(bufferMasks)))
        func forMasks(_ t: Int, _ body: (Int, Int) -> Void) {
            Parallel.run(workers: t) { worker in
                let lo = bufferMasks * worker / t, hi = bufferMasks * (worker + 1) / t
                for m in lo..<hi { body(m, worker) }
            }
        }
        let sinks = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 64 * 8)
        sinks.initialize(repeating: 0)
        defer { sinks.deallocate() }

        // ---- LZ4 compress (liblz4 alone) of the decoded bands
        let bandBytes = (database.segments.first?.header.bandRows ?? h) * w * format.bytesPerPixel
        let bandsPerMask = (maskBytes + bandBytes - 1) / bandBytes
        if groups.contains("lz4") {
        let compress = perThreads(bufferBytes / 1e9) { t in
            forMasks(t) { m, worker in
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(LZ4_compressBound(Int32(bandBytes)))) { dst in
                    for b in 0..<bandsPerMask {
                        let start = m * maskBytes + b * bandBytes, n = min(bandBytes, maskBytes - b * bandBytes)
                        let src = (buffer.baseAddress! + start).assumingMemoryBound(to: CChar.self)
                        sinks[worker * 8] &+= UInt64(LZ4_compress_default(src, dst.baseAddress!, Int32(n), Int32(dst.count)))
                    }
                }
            }
        }
        out.append(("lz4_compress_raw", threadFigure("GB/s of raw input", compress)))
        }

        // ---- counting
        func count(_ base: UnsafeRawPointer, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> UInt64 {
            let bpp = format.bytesPerPixel
            let p = base + (y0 * w + x0) * bpp
            switch format {
            case .uint8: return cmk_count_box_u8(p.assumingMemoryBound(to: UInt8.self), w, x1 - x0, y1 - y0, codes.lo, codes.hi)
            case .float16: return cmk_count_box_u16(p.assumingMemoryBound(to: UInt16.self), w, x1 - x0, y1 - y0, codes.lo, codes.hi)
            case .float32: return cmk_count_box_u32(p.assumingMemoryBound(to: UInt32.self), w, x1 - x0, y1 - y0, codes.lo, codes.hi)
            }
        }
        if groups.contains("count") {
        let inCacheIterations = max(1, 256_000_000 / maskBytes)
        let inCache = perThreads(Double(inCacheIterations * maskBytes) / 1e9) { t in
            Parallel.run(workers: t) { worker in
                let base = UnsafeRawPointer(buffer.baseAddress! + (bufferMasks * worker / t) * maskBytes)
                for _ in 0..<(inCacheIterations / t) { sinks[worker * 8] &+= count(base, 0, 0, w, h) }
            }
        }
        out.append(("count_in_cache", threadFigure("GB/s of mask (full box, one mask repeatedly)", inCache)))
        let streaming = perThreads(bufferBytes / 1e9) { t in
            forMasks(t) { m, worker in sinks[worker * 8] &+= count(UnsafeRawPointer(buffer.baseAddress! + m * maskBytes), 0, 0, w, h) }
        }
        out.append(("count_streaming", threadFigure("GB/s of mask (full box, decoded buffer)", streaming)))
        }

        // ---- CRC-32C
        if groups.contains("crc") {
        let crc = perThreads(bufferBytes / 1e9) { t in
            forMasks(t) { m, worker in sinks[worker * 8] &+= UInt64(cmk_crc32c(0, buffer.baseAddress! + m * maskBytes, maskBytes)) }
        }
        out.append(("crc32c", threadFigure("GB/s", crc)))
        }

        // ---- CHI build
        let params = database.manifest.index ?? .defaults(height: h, width: w)
        let grid = CHIGrid(height: h, width: w, cell: params.cell, bins: params.bins, pixelFormat: format)
        if groups.contains("chi") {
        let chiMasks = min(bufferMasks, max(64, 400_000_000 / maskBytes))
        let chi = threadCounts.map { t -> (Int, Double, [Double], Double) in
            let builders = (0..<t).map { _ in CHIBuilder(grid: grid) }
            let m = measure(repeats: repeats) {
                Parallel.run(workers: t) { worker in
                    let lo = chiMasks * worker / t, hi = chiMasks * (worker + 1) / t
                    for i in lo..<hi {
                        builders[worker].build(codes: UnsafeRawBufferPointer(rebasing: buffer[(i * maskBytes)..<((i + 1) * maskBytes)]))
                    }
                }
            }
            let gb = Double(chiMasks * maskBytes) / 1e9
            return (t, gb / m.median, m.runs.map { gb / $0 }, gb / m.cpu)
        }
        out.append(("chi_build", threadFigure("GB/s of mask (all threads; divide by threads for per core)", chi)))
        out.append(("chi_parameters", .object([("bins", .int(params.bins)), ("cell", .int(params.cell)), ("keys", .int(grid.keyCount))])))
        }

        // ---- bound evaluation
        let parts = box.split(separator: ",").compactMap { Int($0) }
        guard parts.count == 4 else { throw BenchFailure("--box must be x0,y0,x1,y1") }
        let roi = PixelBox(x0: parts[0], y0: parts[1], x1: parts[2], y1: parts[3]).clipped(width: w, height: h)
        if !groups.contains("bounds") {
        } else if database.manifest.index != nil, let index = try? DatabaseIndex(database: database, incremental: false),
           index.files.allSatisfy({ $0 != nil }) {
            let n = database.count
            let missing = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
            missing.initialize(repeating: 0)
            defer { missing.deallocate() }
            let viaIndex = perThreads(Double(n) / 1e6) { t in
                Parallel.run(workers: t) { worker in
                    var acc = 0
                    for row in (n * worker / t)..<(n * (worker + 1) / t) {
                        if let b = index.bounds(row: row, box: roi, codes: codes) { acc &+= b.lowerBound } else { missing[worker] += 1 }
                    }
                    sinks[worker * 8] &+= UInt64(truncatingIfNeeded: acc)
                }
            }
            out.append(("bounds_database_index", threadFigure("M masks/s (DatabaseIndex.bounds, planned per call)", viaIndex)))
            let plan = BoundsPlan(grid: index.grid, box: roi, codes: codes)
            let planned = perThreads(Double(n) / 1e6) { t in
                Parallel.run(workers: t) { worker in
                    var acc = 0
                    for row in (n * worker / t)..<(n * (worker + 1) / t) {
                        let (s, local) = database.locate(row: row)
                        let f = index.files[s]!
                        if f.isValid(local) { acc &+= f.bounds(plan, mask: local).lowerBound }
                    }
                    sinks[worker * 8] &+= UInt64(truncatingIfNeeded: acc)
                }
            }
            out.append(("bounds_planned", threadFigure("M masks/s (one BoundsPlan, CHIFile.bounds)", planned)))
            // The executor's path for a constant ROI: every mask's bounds column-wise.
            let lowerAll = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n)), upperAll = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
            defer { lowerAll.deallocate(); upperAll.deallocate() }
            let columnWise = perThreads(Double(n) / 1e6) { t in
                Parallel.run(workers: t) { worker in
                    for (s, f) in index.files.enumerated() {
                        guard let f else { continue }
                        let lo = f.maskCount * worker / t, hi = f.maskCount * (worker + 1) / t
                        let start = database.segmentStarts[s] + lo
                        f.boundsForMasks(lo..<hi, plan: plan, lower: lowerAll + start, upper: upperAll + start)
                    }
                }
            }
            out.append(("bounds_column_wise", threadFigure("M masks/s (one BoundsPlan, CHIFile.boundsForMasks: the executor's constant-ROI path)", columnWise)))
            out.append(("bounds_unindexed_masks", .int(missing.reduce(0, +) / max(1, threadCounts.count * (repeats + 1)))))
            out.append(("bounds_box", .string("\(roi)")))
        } else {
            out.append(("bounds_database_index", .string("no index: run `masksearch index DB` first")))
        }
        out.append(("failures", .int(failures.reduce(0, +))))
        out.append(("checksum_sink", .int(Int(truncatingIfNeeded: sinks.reduce(0, &+) & 0xffff))))
        print(JSON.object(out).text)
    }
}
