#if canImport(Glibc)
import Glibc
#endif
import CMaskKernels
import MaskFormat
import MaskStorage

/// Storing runs of consecutive masks into the key columns with `pwrite` instead of through
/// the mapping: for a merge of the delta region, whose few runs of ~200 masks land in one or two
/// pages of every key column — pages mostly never written (a fault through a shared mapping
/// then costs a page-cache fill plus the file system's `page_mkwrite`, several microseconds per
/// page); a write of the same bytes skips the fault and the mapping's write-protect round trip.
extension CHIFile {
    /// Stores `masks` (ascending, distinct; `entries` mask-major at the entry width) into the key
    /// columns with their checksums, not yet published: runs of `columnRunMinimum` or more
    /// consecutive masks transposed in memory and written key by key (`pwrite`), the other masks through the mapping (`store`).
    /// - Complexity: O(masks × keys) entry moves, plus one `pwrite` per run and key.
    func storeWriting(masks: [Int], entries values: UnsafeRawBufferPointer) throws(StorageError) {
        let rowBytes = grid.keyCount * header.entryWidth
        let (runs, rest) = CHIFile.splitRuns(masks)  // indices into `masks`
        var packed = [UInt8](repeating: 0, count: rest.count * rowBytes)
        packed.withUnsafeMutableBytes { dst in
            for (n, i) in rest.enumerated() { (dst.baseAddress! + n * rowBytes).copyMemory(from: values.baseAddress! + i * rowBytes, byteCount: rowBytes) }
        }
        packed.withUnsafeBytes { store(masks: rest.map { masks[$0] }, entries: $0, parallel: true) }
        storeChecksums(masks: runs.flatMap { $0.map { masks[$0] } }, rows: runs.flatMap { $0.map { values.baseAddress! + $0 * rowBytes } })
        for run in runs {
            try writeColumnRun(rows: values.baseAddress! + run.lowerBound * rowBytes, count: run.count, firstMask: masks[run.lowerBound])
        }
    }

    /// Stores the CRC-32C of each row (`keyCount` entries at the entry width) as `masks[i]`'s checksum.
    func storeChecksums(masks: [Int], rows: [UnsafeRawPointer]) {
        let rowBytes = grid.keyCount * header.entryWidth
        let checksums = file.mutableBytes.baseAddress! + header.checksumsOffset
        for (m, row) in zip(masks, rows) {
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: row, count: rowBytes))
            checksums.storeBytes(of: crc.littleEndian, toByteOffset: m * 4, as: UInt32.self)
        }
    }

    /// Transposes `count` rows (mask-major) into key-major order and writes each key's entries at
    /// its column's place for masks `firstMask…` (`cmk_transpose_u16/u32`, then `pwrite`).
    private func writeColumnRun(rows: UnsafeRawPointer, count n: Int, firstMask: Int) throws(StorageError) {
        let keys = grid.keyCount, width = header.entryWidth
        let columns = UnsafeMutableRawPointer.allocate(byteCount: keys * n * width, alignment: 64)
        defer { columns.deallocate() }
        if width == 2 {
            cmk_transpose_u16(rows.assumingMemoryBound(to: UInt16.self), keys, n, keys, columns.assumingMemoryBound(to: UInt16.self), n)
        } else {
            cmk_transpose_u32(rows.assumingMemoryBound(to: UInt32.self), keys, n, keys, columns.assumingMemoryBound(to: UInt32.self), n)
        }
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw StorageError.system(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        // One thread: buffered writes to one file take its inode lock exclusively.
        let offset = header.entriesOffset + firstMask * width, bytes = n * width
        for k in 0..<keys {
            var done = 0
            while done < bytes {
                let written = pwrite(fd, columns + k * bytes + done, bytes - done, off_t(offset + k * stride + done))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw StorageError.system(call: "pwrite", path: path, errno: written < 0 ? errno : EIO) }
                done += written
            }
        }
    }
}
