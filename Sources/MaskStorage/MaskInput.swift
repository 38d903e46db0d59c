import MaskFormat
#if canImport(Glibc)
import Glibc
#endif

/// One input file of `ingest`: an `.npy` (2-D: one mask; 3-D: a stack) or a raw dump
/// described by `--raw-shape`/`--raw-dtype`. Resolution reads only headers and file sizes,
/// so every input is checked before any pixel is read.
public struct MaskInputFile: Sendable, Equatable {
    public var path: String
    public var elementType: NpyHeader.ElementType
    public var bigEndian: Bool
    public var count: Int
    public var height: Int
    public var width: Int
    public var dataOffset: Int

    public var maskBytes: Int { height * width * elementType.size }

    /// A raw dump's layout: N masks of H×W little-endian elements, no header.
    public struct RawLayout: Sendable {
        public var count: Int
        public var height: Int
        public var width: Int
        public var elementType: NpyHeader.ElementType
        public init(count: Int, height: Int, width: Int, elementType: NpyHeader.ElementType) {
            self.count = count
            self.height = height
            self.width = width
            self.elementType = elementType
        }
    }

    /// Expands directories (their `.npy` files, sorted by name) and reads every header.
    public static func resolve(_ paths: [String], raw: RawLayout?) throws(StorageError) -> [MaskInputFile] {
        var files: [MaskInputFile] = []
        for path in paths {
            guard SystemCalls.exists(path) else {
                throw StorageError.invalidInput(file: path, location: "", reason: "no such file or directory")
            }
            if SystemCalls.isDirectory(path) {
                let names = try SystemCalls.listDirectory(path).filter { $0.hasSuffix(".npy") }
                guard !names.isEmpty else {
                    throw StorageError.invalidInput(file: path, location: "", reason: "directory holds no .npy files")
                }
                for name in names { files.append(try npy(path + "/" + name)) }
            } else if let raw {
                files.append(try rawFile(path, layout: raw))
            } else {
                files.append(try npy(path))
            }
        }
        return files
    }

    static func npy(_ path: String) throws(StorageError) -> MaskInputFile {
        let fd = try SystemCalls.open(path, O_RDONLY)
        defer { SystemCalls.close(fd) }
        let size = try SystemCalls.fileSize(fd, path: path)
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: min(size, 65536 + 12), alignment: 8)
        defer { raw.deallocate() }
        let got = try SystemCalls.readFully(fd, raw, path: path)
        let head = Array(raw[0..<got])
        let h = try NpyHeader.parse(head, file: path)
        let (n, height, width): (Int, Int, Int)
        switch h.shape.count {
        case 2: (n, height, width) = (1, h.shape[0], h.shape[1])
        case 3: (n, height, width) = (h.shape[0], h.shape[1], h.shape[2])
        default:
            throw StorageError.invalidInput(file: path, location: "npy header",
                                            reason: "shape \(h.shape) is not (H, W) or (N, H, W)")
        }
        guard height > 0, width > 0 else {
            throw StorageError.invalidInput(file: path, location: "npy header", reason: "empty mask shape \(h.shape)")
        }
        let file = MaskInputFile(path: path, elementType: h.elementType, bigEndian: h.bigEndian, count: n,
                                 height: height, width: width, dataOffset: h.dataOffset)
        let expected = h.dataOffset + n * file.maskBytes
        guard size >= expected else {
            throw StorageError.invalidInput(file: path, location: "data",
                                            reason: "truncated: shape \(h.shape) needs \(n * file.maskBytes) data bytes, the file has \(size - h.dataOffset)")
        }
        return file
    }

    static func rawFile(_ path: String, layout: RawLayout) throws(StorageError) -> MaskInputFile {
        let fd = try SystemCalls.open(path, O_RDONLY)
        defer { SystemCalls.close(fd) }
        let size = try SystemCalls.fileSize(fd, path: path)
        let file = MaskInputFile(path: path, elementType: layout.elementType, bigEndian: false, count: layout.count,
                                 height: layout.height, width: layout.width, dataOffset: 0)
        guard size == layout.count * file.maskBytes else {
            throw StorageError.invalidInput(file: path, location: "raw dump",
                                            reason: "\(size) bytes, but --raw-shape \(layout.count),\(layout.height),\(layout.width) of \(layout.elementType) needs \(layout.count * file.maskBytes)")
        }
        return file
    }

    /// Streams the masks in chunks of up to `chunk` masks: `body(firstMaskIndex, count, bytes)`.
    public func forEachChunk(chunk: Int, _ body: (Int, Int, UnsafeRawBufferPointer) throws(StorageError) -> Void) throws(StorageError) {
        let fd = try SystemCalls.open(path, O_RDONLY)
        defer { SystemCalls.close(fd) }
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        guard lseek(fd, off_t(dataOffset), SEEK_SET) >= 0 else {
            throw StorageError.system(call: "lseek", path: path, errno: errno)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunk * maskBytes), alignment: 64)
        defer { buffer.deallocate() }
        var first = 0
        while first < count {
            let k = min(chunk, count - first)
            let want = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(k * maskBytes)])
            let got = try SystemCalls.readFully(fd, want, path: path)
            guard got == want.count else {
                throw StorageError.invalidInput(file: path, location: "mask \(first + got / maskBytes)", reason: "file ended early (truncated)")
            }
            try body(first, k, UnsafeRawBufferPointer(want))
            first += k
        }
    }
}
