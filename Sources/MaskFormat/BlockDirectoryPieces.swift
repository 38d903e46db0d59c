/// The block directory of a version-3 segment, checksummed in pieces (Format/segment.md,
/// "Block directory pieces"): entries `k·P ..< min((k+1)·P, blocks)` form piece `k`; the
/// piece checksum table right after the directory holds one `u32` CRC-32C per piece
/// (little-endian), and the footer holds `P` and the table's own CRC-32C.
///
/// A reader checks the table once (O(blocks / P)) and then only the pieces holding the
/// entries it reads (O(P) each), instead of the whole directory (24 bytes a block, 224 MB for
/// 1.33 M masks of 7 bands) before its first block.
public struct BlockDirectoryPieces: Sendable, Equatable {
    /// Entries per piece, P ≥ 1.
    public let blocksPerPiece: Int
    /// Entries in the directory.
    public let blockCount: Int

    public init(blocksPerPiece: Int, blockCount: Int) {
        precondition(blocksPerPiece >= 1 && blockCount >= 0)
        self.blocksPerPiece = blocksPerPiece
        self.blockCount = blockCount
    }

    /// ⌈blocks / P⌉.
    public var pieceCount: Int { (blockCount + blocksPerPiece - 1) / blocksPerPiece }

    /// Bytes of the piece checksum table: 4 per piece.
    public var tableLength: Int { pieceCount * 4 }

    /// The piece holding entry `block`.
    @inline(__always)
    public func piece(of block: Int) -> Int { block / blocksPerPiece }

    /// Piece `k`'s bytes within the directory.
    public func byteRange(ofPiece k: Int) -> Range<Int> {
        let size = SegmentLayout.blockDescriptorSize
        return (k * blocksPerPiece * size)..<(min((k + 1) * blocksPerPiece, blockCount) * size)
    }

    /// Piece `k`'s stored CRC-32C in `table`.
    public func storedChecksum(ofPiece k: Int, in table: UnsafeRawBufferPointer) -> UInt32 {
        loadLittleEndian(UInt32.self, from: table, at: k * 4)
    }

    /// The piece checksum table of `directory` (entries of 24 bytes), as written.
    /// - Complexity: O(directory bytes).
    public func table(of directory: UnsafeRawBufferPointer) -> [UInt8] {
        var w = ByteWriter(capacity: tableLength)
        for k in 0..<pieceCount {
            w.u32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: directory[byteRange(ofPiece: k)])))
        }
        return w.bytes
    }

    /// Checks piece `k` of `directory` against `table`; `directoryOffset` is the directory's
    /// file offset, for the error.
    /// - Complexity: O(P).
    public func checkPiece(_ k: Int, directory: UnsafeRawBufferPointer, table: UnsafeRawBufferPointer,
                           directoryOffset: UInt64) throws(FormatError) {
        let range = byteRange(ofPiece: k)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: directory[range]))
        let stored = storedChecksum(ofPiece: k, in: table)
        guard computed == stored else {
            throw FormatError(.checksumMismatch, structure: "block directory", offset: directoryOffset + UInt64(range.lowerBound),
                              detail: "piece \(k) (blocks \(k * blocksPerPiece)..<\(k * blocksPerPiece + range.count / SegmentLayout.blockDescriptorSize)): stored \(hex32(stored)), computed \(hex32(computed))")
        }
    }

    /// The name of the table in errors and in the dumper.
    public static let tableStructure = "block directory checksums"
}
