import Foundation
import Testing
@testable import MaskDatasets
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-writing path: sparse appends, thumbnail files, failures inside the pipeline, and
/// `masks.npy` as NumPy reads it.
@Suite("Write path")
struct WritePathTests {
    /// Bytes of `url` allocated on disk (`st_blocks` · 512).
    private func allocatedBytes(_ url: URL) -> Int {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return -1 }
        return Int(info.st_blocks) * 512
    }

    @Test("appending with zero pages skipped gives exactly the bytes of writing them all",
          arguments: [0, 1, 128, 4095, 4096, 5000])
    func sparseAppendMatchesPlainWrite(headerBytes: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let url = directory.url.appendingPathComponent("data.bin")
        let file = try OutputFile(url)
        var expected = [UInt8](repeating: 0x41, count: headerBytes)
        try file.write(expected)
        var rng = SeededRandom(seed: 3, stream: UInt64(headerBytes))
        for chunk in 0..<40 {
            // Zeros with a few non-zero islands, at arbitrary offsets and lengths.
            let length = rng.index(below: 20_000)
            var bytes = [UInt8](repeating: 0, count: length)
            for _ in 0..<rng.index(below: 4) where length > 0 {
                let start = rng.index(below: length), end = min(length, start + 1 + rng.index(below: 6_000))
                for k in start..<end { bytes[k] = UInt8(1 + rng.index(below: 255)) }
            }
            try bytes.withUnsafeBytes { try file.appendSkippingZeroPages($0) }
            expected += bytes
            if chunk % 7 == 0 {   // buffered writes between sparse ones
                try file.write([0x0A, 0x0B])
                expected += [0x0A, 0x0B]
            }
        }
        let tail = [UInt8](repeating: 0, count: 3 * OutputFile.pageSize + 17)   // ends in a hole
        try tail.withUnsafeBytes { try file.appendSkippingZeroPages($0) }
        expected += tail
        #expect(file.position == expected.count)
        try file.commit()
        #expect(try [UInt8](Data(contentsOf: url)) == expected)
        #expect(!FileManager.default.fileExists(atPath: url.path + ".partial"))
    }

    @Test("zero pages become holes: they take no disk space")
    func zeroPagesAreHoles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let url = directory.url.appendingPathComponent("data.bin")
        let file = try OutputFile(url)
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        bytes[bytes.count - 1] = 1   // one non-zero page at the end
        try bytes.withUnsafeBytes { try file.appendSkippingZeroPages($0) }
        try file.commit()
        #expect(try Data(contentsOf: url).count == 1 << 20)
        #expect(allocatedBytes(url) < 1 << 19, "\(allocatedBytes(url)) bytes allocated for 4 KiB of data")
    }

    @Test("the zero test finds a single non-zero byte anywhere")
    func zeroTest() {
        var bytes = [UInt8](repeating: 0, count: 200)
        bytes.withUnsafeBytes { raw in
            for count in [0, 1, 63, 64, 65, 200] { #expect(OutputFile.isZero(raw.baseAddress!, count)) }
        }
        for position in 0..<200 {
            bytes[position] = 0x80
            bytes.withUnsafeBytes { raw in
                #expect(!OutputFile.isZero(raw.baseAddress!, 200))
                #expect(OutputFile.isZero(raw.baseAddress!, position))
                #expect(OutputFile.isZero(raw.baseAddress! + position + 1, 199 - position))
            }
            bytes[position] = 0
        }
    }

    @Test("thumbnail names are the decimal image id and .png")
    func thumbnailNames() {
        var buffer = [UInt8](repeating: 0, count: 32)
        for id in [0, 7, 10, 99, 12_345, Int.max] {
            let count = buffer.withUnsafeMutableBytes { ImageDirectory.formatName(id, into: $0) }
            #expect(String(decoding: buffer[0..<count], as: UTF8.self) == "\(id).png")
        }
    }

    @Test("masks.npy holds exactly the rendered masks, holes included")
    func masksFileMatchesRenderer() throws {
        // 96×96: the zero backgrounds span whole 4 KiB pages, so the file has holes.
        var c = DatasetGenerator.Configuration(maskCount: 40, height: 96, width: 96, seed: 21, writeImages: false)
        c.threadCount = 2
        let directory = try generate(c, chunkBytes: 30_000)
        defer { directory.cleanUp() }
        let url = directory.url.appendingPathComponent("masks.npy")
        let npy = try ParsedNPY(Data(contentsOf: url))
        let renderer = MaskRenderer(configuration: c), scratch = RenderScratch(configuration: c)
        var expected = [UInt8](repeating: 0xEE, count: c.maskCount * c.bytesPerMask)
        expected.withUnsafeMutableBytes { raw in
            for image in 0..<c.imageCount {
                let plan = ImagePlan(imageIndex: image, configuration: c)
                for (k, mask) in plan.masks.enumerated() where image * c.masksPerImage + k < c.maskCount {
                    renderer.render(mask, of: plan, into: raw.baseAddress! + (image * c.masksPerImage + k) * c.bytesPerMask,
                                    scratch: scratch)
                }
            }
        }
        #expect(Array(npy.data) == expected)
        #expect(allocatedBytes(url) < npy.data.count, "expected holes for the zero pages")
    }

    @Test("a thumbnail that cannot be written fails the run cleanly", arguments: [1, 2])
    func imageFailure(threads: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // A directory where image 5's file should go: openat(O_WRONLY) fails with EISDIR.
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("images/5.png"),
                                                withIntermediateDirectories: true)
        var c = smallConfiguration(masks: 120)
        c.threadCount = threads
        var generator = DatasetGenerator(configuration: c)
        generator.targetChunkBytes = 1   // one image per chunk: the failure comes mid-run
        do {
            try generator.write(to: directory.url)
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .ioFailure)
            #expect(error.path?.hasSuffix("images/5.png") == true, "\(error)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        #expect(left == ["images", "rois"])   // no masks.npy, meta.csv or *.partial
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("rois").path).isEmpty)
    }

    @Test("NumPy reads masks.npy with the right shape, dtype and values",
          .enabled(if: WritePathTests.pythonWithNumPy != nil, "needs python3 with numpy"),
          arguments: MaskElementType.allCases)
    func numpyReadsMasks(elementType: MaskElementType) throws {
        var c = DatasetGenerator.Configuration(maskCount: 31, height: 96, width: 80, seed: 4, elementType: elementType,
                                               writeImages: false)
        c.threadCount = 2
        let directory = try generate(c, chunkBytes: 40_000)
        defer { directory.cleanUp() }
        let url = directory.url.appendingPathComponent("masks.npy")
        let script = """
        import numpy, sys, zlib
        a = numpy.load(sys.argv[1])
        print(a.shape, a.dtype, a.flags['C_CONTIGUOUS'], zlib.crc32(a.tobytes()))
        """
        let process = Process()
        process.executableURL = WritePathTests.pythonWithNumPy
        process.arguments = ["-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let data = try ParsedNPY(Data(contentsOf: url)).data
        let dtype = elementType == .uint8 ? "uint8" : "float32"
        #expect(output == "(31, 96, 80) \(dtype) True \(CRC32.checksum(data))\n")
    }

    /// `python3` when it can import numpy, else nil.
    static let pythonWithNumPy: URL? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            let process = Process()
            process.executableURL = candidate
            process.arguments = ["-c", "import numpy"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            return process.terminationStatus == 0 ? candidate : nil
        }
        return nil
    }()
}
