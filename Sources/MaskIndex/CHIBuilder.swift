import CMaskKernels
import MaskFormat

/// Builds one mask's CHI entries with the SIMD kernel `cmk_chi_build_*` (a histogram per
/// column strip, emitted at each grid row; see CMaskKernels.h); `copyEntries` drops the
/// implied bin 0 to give `grid.keyCount` entries in key order.
///
/// - Complexity: O(H·W + corners·bins) per mask; 3–6 GB/s of uint8 mask per core on smooth
///   masks (AVX2 compare-and-count; `masksearch-bench limits`: chi_build).
/// Not thread-safe: one thread uses a builder at a time (it may be handed between threads).
public final class CHIBuilder: @unchecked Sendable {
    public let grid: CHIGrid
    private let binTable: [UInt8]
    private let interiorEdges: [UInt32]
    private let ys: [UInt32]
    private let xs: [UInt32]
    private var scratch: [UInt32]
    private var full: [UInt32]

    /// The last mask's entries, key order (`copyEntries` at 4 bytes, decoded).
    public var entries: [UInt32] {
        var e = [UInt32](repeating: 0, count: grid.keyCount)
        e.withUnsafeMutableBytes { copyEntries(to: $0.baseAddress!, width: 4) }
        return e.map { UInt32(littleEndian: $0) }
    }

    public init(grid: CHIGrid) {
        self.grid = grid
        binTable = grid.uint8BinTable
        interiorEdges = Array(grid.edges[1..<grid.bins])
        ys = grid.kernelRows
        xs = grid.kernelCols
        scratch = [UInt32](repeating: 0, count: (grid.width + 1) * grid.bins)
        full = [UInt32](repeating: 0, count: grid.cornerRows * grid.cornerCols * grid.bins)
    }

    /// Writes the last mask's entries at `width` bytes each (2 or 4), little-endian, to `out`
    /// (`keyCount × width` bytes): the form index files store. One pass over the kernel's
    /// output, dropping each corner's bin 0 (the implied pixel count).
    public func copyEntries(to out: UnsafeMutableRawPointer, width: Int) {
        let b = grid.bins, corners = grid.cornerRows * grid.cornerCols
        full.withUnsafeBufferPointer { f in
            // Pointer steps and wrapping index arithmetic: loops the compiler vectorises.
            var src = f.baseAddress! + 1
            if width == 4 {
                var o = out.bindMemory(to: UInt32.self, capacity: corners * (b - 1))
                for _ in 0..<corners {
                    for k in 0..<(b &- 1) { o[k] = src[k].littleEndian }
                    o += b &- 1
                    src += b
                }
            } else {
                var o = out.bindMemory(to: UInt16.self, capacity: corners * (b - 1))
                for _ in 0..<corners {
                    for k in 0..<(b &- 1) { o[k] = UInt16(truncatingIfNeeded: src[k]).littleEndian }
                    o += b &- 1
                    src += b
                }
            }
        }
    }

    /// Builds the entries of a mask given as stored codes (`height * width` codes).
    public func build(codes: UnsafeRawBufferPointer) {
        full.withUnsafeMutableBufferPointer { out in
            runKernel(codes: codes, rows: 0..<grid.height, ys: ys, xs: xs, out: out.baseAddress!)
        }
    }

    /// The reverse-cumulative histogram of the codes inside `box` (clipped, non-empty) of a mask
    /// given as stored codes: `out[b − 1]` = pixels of the box whose bin is `>= b`, for b in
    /// `1..<bins` (a ROI histogram's entries, Format/roi-histograms.md). The same kernel as
    /// `build`, run on the box's rows with corners at the box's left and right edges: the box's
    /// counts are the right corner's minus the left's.
    /// - Complexity: O(box rows × W + bins).
    public func boxHistogram(codes: UnsafeRawBufferPointer, box: PixelBox, into out: UnsafeMutableBufferPointer<UInt32>) {
        let b = grid.bins
        let columns: [UInt32] = box.x0 > 0 ? [UInt32(box.x0), UInt32(box.x1)] : [UInt32(box.x1)]
        var corners = [UInt32](repeating: 0, count: 2 * b)
        corners.withUnsafeMutableBufferPointer { c in
            runKernel(codes: codes, rows: box.y0..<box.y1, ys: [UInt32(box.y1 - box.y0)], xs: columns, out: c.baseAddress!)
            let left = columns.count == 2 ? 0 : -1, right = columns.count - 1
            for bin in 1..<b { out[bin - 1] = c[right * b + bin] &- (left < 0 ? 0 : c[left * b + bin]) }
        }
    }

    /// `cmk_chi_build_*` over the mask's rows `rows` (all columns), corners `ys` (relative to
    /// `rows.lowerBound`) and `xs`, into `out` (`ys.count × xs.count × bins` counts).
    private func runKernel(codes: UnsafeRawBufferPointer, rows: Range<Int>, ys: [UInt32], xs: [UInt32], out: UnsafeMutablePointer<UInt32>) {
        let h = rows.count, w = grid.width, bins = UInt32(grid.bins), first = rows.lowerBound * w
        scratch.withUnsafeMutableBufferPointer { s in
            switch grid.pixelFormat {
            case .uint8:
                cmk_chi_build_u8(codes.bindMemory(to: UInt8.self).baseAddress! + first, h, w, binTable, bins,
                                 ys, ys.count, xs, xs.count, s.baseAddress!, out)
            case .float16:
                cmk_chi_build_u16(codes.bindMemory(to: UInt16.self).baseAddress! + first, h, w, interiorEdges, bins,
                                  ys, ys.count, xs, xs.count, s.baseAddress!, out)
            case .float32:
                cmk_chi_build_u32(codes.bindMemory(to: UInt32.self).baseAddress! + first, h, w, interiorEdges, bins,
                                  ys, ys.count, xs, xs.count, s.baseAddress!, out)
            }
        }
    }
}
