import MaskFormat
import Synchronization

/// The first-read check of a segment's block directory (Format/segment.md, "Reading", step 5).
///
/// Read version ≤ 2: the directory's one CRC-32C, checked whole before the first block is
/// decoded — O(directory) once per process (224 MB for 1.33 M masks of 7 bands).
/// Read version 3: the piece checksum table's CRC-32C (in the footer) once, O(blocks / P),
/// then each piece of P entries the first time one of its entries is read, O(P) — a query
/// pays for the pieces of the masks it reads. Which pieces passed is kept in a bitmap of
/// atomic words (one bit a piece: ⌈blocks / (64·P)⌉ words, 1.2 K words for 1.33 M masks);
/// a failed piece is checked again on every read and throws each time. Two threads reading
/// an unchecked piece may both check it; neither reads it before its check passed.
final class BlockDirectoryCheck: @unchecked Sendable {
    private let directory: UnsafeRawBufferPointer
    private let directoryOffset: UInt64
    /// The footer's CRC: of the directory (v ≤ 2) or of the piece table (v3).
    private let storedCRC: UInt32
    /// v3 only: the piece layout, the table, and one bit per piece that passed.
    private let pieces: BlockDirectoryPieces?
    private let table: UnsafeRawBufferPointer
    private let passed: UnsafeMutablePointer<Atomic<UInt64>>
    private let wordCount: Int
    /// The whole directory (v ≤ 2) or the table (v3), checked once.
    private let wholeCheck = FirstReadCheck()

    /// `pieces` and `table` for a version-3 segment, nil and empty before.
    init(directory: UnsafeRawBufferPointer, directoryOffset: UInt64, storedCRC: UInt32,
         pieces: BlockDirectoryPieces?, table: UnsafeRawBufferPointer) {
        self.directory = directory
        self.directoryOffset = directoryOffset
        self.storedCRC = storedCRC
        self.pieces = pieces
        self.table = table
        wordCount = ((pieces?.pieceCount ?? 0) + 63) / 64
        passed = .allocate(capacity: max(1, wordCount))
        for i in 0..<max(1, wordCount) { (passed + i).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        passed.deinitialize(count: max(1, wordCount))
        passed.deallocate()
    }

    /// Returns when the directory entry of block `block` may be trusted; throws the
    /// directory's (v ≤ 2) or the piece's (v3) checksum error otherwise.
    /// - Complexity: one atomic load once checked; the check's cost the first time.
    @inline(__always)
    func ensure(block: Int, file: MappedFile) throws(FormatError) {
        guard let pieces else { return try ensureWhole(file) }
        let k = pieces.piece(of: block)
        if block >= 0, block < pieces.blockCount, passed[k >> 6].load(ordering: .acquiring) & (1 << UInt64(k & 63)) != 0 { return }
        try ensurePiece(block, pieces, file)
    }

    private func ensurePiece(_ block: Int, _ pieces: BlockDirectoryPieces, _ file: MappedFile) throws(FormatError) {
        guard block >= 0, block < pieces.blockCount else {
            throw FormatError(.outOfBounds, structure: "block directory", file: file.path, offset: directoryOffset,
                              detail: "block \(block) of \(pieces.blockCount)")
        }
        let k = pieces.piece(of: block)
        try ensureWhole(file)
        do throws(FormatError) {
            try pieces.checkPiece(k, directory: directory, table: table, directoryOffset: directoryOffset)
        } catch {
            throw error.located(in: file.path)
        }
        passed[k >> 6].bitwiseOr(1 << UInt64(k & 63), ordering: .releasing)
    }

    /// v ≤ 2: the whole directory's CRC; v3: the piece table's. Once.
    private func ensureWhole(_ file: MappedFile) throws(FormatError) {
        try wholeCheck.ensure { () throws(FormatError) in
            let bytes = pieces == nil ? directory : table
            let offset = pieces == nil ? directoryOffset : directoryOffset + UInt64(directory.count)
            let structure = pieces == nil ? "block directory" : BlockDirectoryPieces.tableStructure
            // The check reads all of it (v2: 224 MB for 1.33 M masks of 7 bands): ask for it in
            // large reads rather than a fault per page (query mappings are advised random).
            file.willNeed(offset: Int(offset), length: bytes.count)
            let computed = CRC32C.checksum(bytes)
            guard computed == storedCRC else {
                throw FormatError(.checksumMismatch, structure: structure, file: file.path, offset: offset,
                                  detail: "stored \(hex32(storedCRC)), computed \(hex32(computed))")
            }
        }
    }
}
