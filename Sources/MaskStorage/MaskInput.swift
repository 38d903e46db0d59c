import MaskFormat
#if canImport(Glibc)
import Glibc
#endif

/// One input of `ingest`: an `.npy` file (2-D: one mask; 3-D: a stack), a raw dump
/// described by `--raw-shape`/`--raw-dtype`, masks in memory (`MaskBuffer`), or an `.npy`
/// stream (standard input), or masks a `MaskProducer` makes. Resolution reads only headers and file sizes, so every input is
/// checked before any pixel is read.
public struct MaskInputFile: @unchecked Sendable, Equatable {
    /// Where the pixels are read from.
    public enum Origin: Equatable {
        /// The file at `path`, data at `dataOffset`.
        case file
        /// Memory, read in place.
        case buffer(UnsafeRawPointer)
        /// A descriptor positioned at the data (its header already read), read sequentially.
        case stream(fd: Int32)
        /// Made on demand by the caller, a chunk at a time.
        case producer(MaskProducer)
    }

    /// The file's path, or the name of a buffer or stream: what errors call the input.
    public var path: String
    public var elementType: NpyHeader.ElementType
    public var bigEndian: Bool
    public var count: Int
    public var height: Int
    public var width: Int
    public var dataOffset: Int
    public var origin: Origin = .file

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
        try resolve(paths.map { IngestSource.path($0) }, raw: raw)
    }

    /// Resolves every source in order: paths as `resolve(_:raw:)`, buffers by checking their
    /// shape, streams by reading their `.npy` header (and nothing more) from the descriptor.
    public static func resolve(_ sources: [IngestSource], raw: RawLayout?) throws(StorageError) -> [MaskInputFile] {
        var files: [MaskInputFile] = []
        for source in sources {
            let path: String
            switch source {
            case .buffer(let b):
                files.append(try buffer(b))
                continue
            case .stream(let fd, let name):
                files.append(try stream(fd: fd, name: name))
                continue
            case .producer(let p):
                files.append(try producer(p))
                continue
            case .path(let p):
                path = p
            }
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
        let file = try described(by: h, name: path, origin: .file)
        let n = file.count
        let expected = h.dataOffset + n * file.maskBytes
        guard size >= expected else {
            throw StorageError.invalidInput(file: path, location: "data",
                                            reason: "truncated: shape \(h.shape) needs \(n * file.maskBytes) data bytes, the file has \(size - h.dataOffset)")
        }
        return file
    }

    /// The largest mask an `.npy` input may declare, in bytes of its element type (4 GiB):
    /// ingest, indexing and queries each hold one whole mask in memory.
    public static let maxMaskBytes = 1 << 32

    /// The input an `.npy` header describes: (H, W) is one mask, (N, H, W) a stack.
    static func described(by h: NpyHeader, name: String, origin: Origin) throws(StorageError) -> MaskInputFile {
        let (n, height, width): (Int, Int, Int)
        switch h.shape.count {
        case 2: (n, height, width) = (1, h.shape[0], h.shape[1])
        case 3: (n, height, width) = (h.shape[0], h.shape[1], h.shape[2])
        default:
            throw StorageError.invalidInput(file: name, location: "npy header",
                                            reason: "shape \(h.shape) is not (H, W) or (N, H, W)")
        }
        guard height > 0, width > 0 else {
            throw StorageError.invalidInput(file: name, location: "npy header", reason: "empty mask shape \(h.shape)")
        }
        // Sides are 32-bit fields of a segment; the data's size (plus its offset) must be an Int.
        // A stream's header is all there is before reading: without these, a forged shape made
        // ingest allocate (or compute) sizes beyond the address space (found by fuzz-npy).
        guard height <= Int(UInt32.max), width <= Int(UInt32.max),
              let bytes = MaskBuffer.byteCount(count: n, height: height, width: width, elementType: h.elementType),
              bytes <= Int.max - h.dataOffset,
              let one = MaskBuffer.byteCount(count: 1, height: height, width: width, elementType: h.elementType),
              one <= maxMaskBytes else {
            throw StorageError.invalidInput(file: name, location: "npy header",
                                            reason: "shape \(h.shape) of \(h.elementType) is too large: ingest holds a mask in memory, at most \(maxMaskBytes) bytes")
        }
        return MaskInputFile(path: name, elementType: h.elementType, bigEndian: h.bigEndian, count: n,
                             height: height, width: width, dataOffset: h.dataOffset, origin: origin)
    }

    /// A buffer's input, after checking its shape and size.
    static func buffer(_ b: MaskBuffer) throws(StorageError) -> MaskInputFile {
        guard b.count >= 0, b.height > 0, b.width > 0 else {
            throw StorageError.invalidInput(file: b.name, location: "shape",
                                            reason: "(\(b.count), \(b.height), \(b.width)) is not a stack of masks (N >= 0, H > 0, W > 0)")
        }
        guard b.byteCount != nil else {
            throw StorageError.invalidInput(file: b.name, location: "shape",
                                            reason: "(\(b.count), \(b.height), \(b.width)) of \(b.elementType) overflows the address space")
        }
        return MaskInputFile(path: b.name, elementType: b.elementType, bigEndian: false, count: b.count,
                             height: b.height, width: b.width, dataOffset: 0, origin: .buffer(b.base))
    }

    /// A producer's input, after checking its shape (as a buffer's).
    static func producer(_ p: MaskProducer) throws(StorageError) -> MaskInputFile {
        guard p.count >= 0, p.height > 0, p.width > 0,
              p.height.multipliedReportingOverflow(by: p.width * p.elementType.size).overflow == false else {
            throw StorageError.invalidInput(file: p.name, location: "shape",
                                            reason: "(\(p.count), \(p.height), \(p.width)) is not a stack of masks (N >= 0, H > 0, W > 0)")
        }
        return MaskInputFile(path: p.name, elementType: p.elementType, bigEndian: false, count: p.count,
                             height: p.height, width: p.width, dataOffset: 0, origin: .producer(p))
    }

    /// Reads an `.npy` header from the stream `fd` (exactly the header's bytes: the 12-byte
    /// preamble window, then the rest of the header it declares), leaving it at the data.
    static func stream(fd: Int32, name: String) throws(StorageError) -> MaskInputFile {
        func read(_ count: Int) throws(StorageError) -> [UInt8] {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
            defer { buffer.deallocate() }
            let got = try SystemCalls.readFully(fd, buffer, path: name)
            return Array(buffer[0..<got])
        }
        var head = try read(12)
        if head.count == 12 {
            let v1 = head[6] == 1
            let declared = v1 ? Int(head[8]) | Int(head[9]) << 8
                              : Int(head[8]) | Int(head[9]) << 8 | Int(head[10]) << 16 | Int(head[11]) << 24
            let rest = (v1 ? 10 : 12) + declared - 12
            if rest > 0 && rest <= 1 << 24 { head += try read(rest) }
        }
        let h = try NpyHeader.parse(head, file: name)
        return try described(by: h, name: name, origin: .stream(fd: fd))
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
    /// A buffer's chunks are slices of it (no copy); files and streams are read, and a
    /// producer's masks made, into one chunk-sized buffer.
    public func forEachChunk(chunk: Int, _ body: (Int, Int, UnsafeRawBufferPointer) throws(StorageError) -> Void) throws(StorageError) {
        switch origin {
        case .buffer(let base):
            var first = 0
            while first < count {
                let k = min(chunk, count - first)
                try body(first, k, UnsafeRawBufferPointer(start: base + first * maskBytes, count: k * maskBytes))
                first += k
            }
        case .stream(let fd):
            try readChunks(fd: fd, chunk: chunk, body)
        case .producer(let p):
            try bufferedChunks(chunk: chunk, fill: p.fill, body)
        case .file:
            let fd = try SystemCalls.open(path, O_RDONLY)
            defer { SystemCalls.close(fd) }
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
            guard lseek(fd, off_t(dataOffset), SEEK_SET) >= 0 else {
                throw StorageError.system(call: "lseek", path: path, errno: errno)
            }
            try readChunks(fd: fd, chunk: chunk, body)
        }
    }

    /// Reads the masks sequentially from `fd` (positioned at the data) a chunk at a time.
    private func readChunks(fd: Int32, chunk: Int, _ body: (Int, Int, UnsafeRawBufferPointer) throws(StorageError) -> Void) throws(StorageError) {
        try bufferedChunks(chunk: chunk, fill: { (first, _, want) throws(StorageError) in
            let got = try SystemCalls.readFully(fd, want, path: path)
            guard got == want.count else {
                throw StorageError.invalidInput(file: path, location: "mask \(first + got / maskBytes)", reason: "file ended early (truncated)")
            }
        }, body)
    }

    /// Passes the masks to `body` a chunk at a time through one chunk-sized buffer, which
    /// `fill(first, k, part)` fills with masks `first..<first + k` before each call.
    private func bufferedChunks(chunk: Int, fill: MaskProducer.Fill,
                                _ body: (Int, Int, UnsafeRawBufferPointer) throws(StorageError) -> Void) throws(StorageError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunk * maskBytes), alignment: 64)
        defer { buffer.deallocate() }
        var first = 0
        while first < count {
            let k = min(chunk, count - first)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(k * maskBytes)])
            try fill(first, k, part)
            try body(first, k, UnsafeRawBufferPointer(part))
            first += k
        }
    }
}
