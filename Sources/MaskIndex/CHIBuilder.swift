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
        let h = grid.height, w = grid.width, bins = UInt32(grid.bins)
        scratch.withUnsafeMutableBufferPointer { s in
            full.withUnsafeMutableBufferPointer { out in
                switch grid.pixelFormat {
                case .uint8:
                    cmk_chi_build_u8(codes.bindMemory(to: UInt8.self).baseAddress!, h, w, binTable, bins,
                                     ys, ys.count, xs, xs.count, s.baseAddress!, out.baseAddress!)
                case .float16:
                    cmk_chi_build_u16(codes.bindMemory(to: UInt16.self).baseAddress!, h, w, interiorEdges, bins,
                                      ys, ys.count, xs, xs.count, s.baseAddress!, out.baseAddress!)
                case .float32:
                    cmk_chi_build_u32(codes.bindMemory(to: UInt32.self).baseAddress!, h, w, interiorEdges, bins,
                                      ys, ys.count, xs, xs.count, s.baseAddress!, out.baseAddress!)
                }
            }
        }
    }
}
