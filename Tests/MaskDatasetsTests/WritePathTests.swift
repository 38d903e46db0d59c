import Foundation
import Testing
@testable import MaskDatasets

/// The file-writing path: buffered output files, thumbnail files, failures inside the
/// pipeline, and `masks.npy` as NumPy reads it.
@Suite("Write path")
struct WritePathTests {
    @Test("small (buffered) and large (direct) writes land in order", arguments: [0, 1, 128, 5_000])
    func bufferedAndDirectWrites(headerBytes: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let url = directory.url.appendingPathComponent("data.bin")
        let file = try OutputFile(url)
        var expected = [UInt8](repeating: 0x41, count: headerBytes)
        try file.write(expected)
        var rng = SeededRandom(seed: 3, stream: UInt64(headerBytes))
        for _ in 0..<60 {
            // Lengths around the buffer's capacity: some gathered, some written through.
            let length = rng.index(below: 2 * OutputFile.bufferCapacity + 10)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            try file.write(bytes)
            expected += bytes
        }
        #expect(file.position == expected.count)
        #expect(!FileManager.default.fileExists(atPath: url.path), "nothing under the final name before commit")
        try file.commit()
        #expect(try [UInt8](Data(contentsOf: url)) == expected)
        #expect(!FileManager.default.fileExists(atPath: url.path + ".partial"))
    }

    @Test("thumbnail names are the decimal image id and .png")
    func thumbnailNames() {
        var buffer = [UInt8](repeating: 0, count: 32)
        for id in [0, 7, 10, 99, 12_345, Int.max] {
            let count = buffer.withUnsafeMutableBytes { ImageDirectory.formatName(id, into: $0) }
            #expect(String(decoding: buffer[0..<count], as: UTF8.self) == "\(id).png")
        }
    }

    @Test("masks.npy holds exactly the rendered masks, in mask order")
    func masksFileMatchesRenderer() throws {
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
        #expect(output == "(31, 96, 80) \(dtype) True \(zlibCRC32(data))\n")
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
