import Foundation
import MaskFormat
import MaskImaging
import MaskStorage

/// PNG and JPEG mask files for `ingest` (CONTRACT.md section 8), handed to `Ingester` as one
/// `MaskProducer` per file, so the ingest stays one atomic commit and the existing checks
/// (one shape for all masks, values, metadata rows) apply unchanged.
///
/// Two passes: `scan` decodes every file once (so a corrupt or unsuitable file is named before
/// the database is touched) and keeps only its shape, bit depth and classes; the producers
/// decode each file again when the ingester asks for its masks. Memory: one decoded image
/// plus the ingester's chunk, whatever the number of files; time: two decodes per file.
struct ImageMaskInputs {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    let channel: MaskPlane.Channel?
    let labelMap: Bool

    /// What `scan` learnt of one file.
    struct Entry {
        let path: String
        let width: Int
        let height: Int
        let bitDepth: Int
        /// With `labelMap`: the class ids present, ascending (one mask each); else empty.
        let classes: [UInt16]
        /// The masks the file gives.
        var count: Int { classes.isEmpty ? 1 : classes.count }
    }

    static func isImageFile(_ path: String) -> Bool {
        extensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Whether `inputs` are image inputs: image files, or directories holding image files and
    /// no `.npy`. Mixing them with `.npy` inputs (or standard input) is refused (exit 2).
    static func areImages(_ inputs: [String]) throws -> Bool {
        let kinds = inputs.map { input -> Bool in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue else {
                return isImageFile(input)
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
            return !names.contains { $0.lowercased().hasSuffix(".npy") } && names.contains(where: isImageFile)
        }
        guard kinds.allSatisfy({ $0 }) || !kinds.contains(true) else {
            throw CommandFailure("error: PNG/JPEG inputs cannot be mixed with .npy inputs in one ingest: run ingest once for each", code: 2)
        }
        return kinds.first ?? false
    }

    /// The files of `inputs`: files as given, directories as their PNG and JPEG files sorted by name.
    static func files(_ inputs: [String]) throws -> [String] {
        try inputs.flatMap { input -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw CommandFailure("error: \(input): no such file or directory", code: 2)
            }
            guard isDirectory.boolValue else { return [input] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
            return names.filter(isImageFile).sorted().map { (input as NSString).appendingPathComponent($0) }
        }
    }

    /// Reads and decodes `path` to the plane the options pick. O(pixels).
    func plane(_ path: String) throws(StorageError) -> MaskPlane {
        do throws(ImagingError) {
            return try MaskPlane.decode(ImageFile.readBytes(path: path), channel: channel, what: "reading \(path)")
        } catch {
            throw StorageError.invalidInput(file: path, location: "", reason: error.why)
        }
    }

    /// The first pass: every file decoded and described. O(total pixels) time, O(one image) memory.
    func scan(_ files: [String]) throws(StorageError) -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(files.count)
        for path in files {
            let p = try plane(path)
            entries.append(Entry(path: path, width: p.width, height: p.height, bitDepth: p.bitDepth,
                                 classes: labelMap ? Self.classes(p.samples) : []))
        }
        return entries
    }

    /// The distinct values of `samples`, ascending. O(samples + 65536).
    static func classes(_ samples: [UInt16]) -> [UInt16] {
        var present = [Bool](repeating: false, count: 65_536)
        for s in samples { present[Int(s)] = true }
        return (0..<65_536).filter { present[$0] }.map { UInt16($0) }
    }

    /// The element type of every producer: float32 (v/65535, v/255) when a file is 16-bit
    /// and not a label map, else uint8 (v as stored; label masks 255 for 1.0).
    func elementType(_ entries: [Entry]) -> NpyHeader.ElementType {
        !labelMap && entries.contains { $0.bitDepth == 16 } ? .float32 : .uint8
    }

    /// One producer per file, in order.
    func sources(_ entries: [Entry]) -> [IngestSource] {
        let type = elementType(entries)
        return entries.map { entry in
            .producer(MaskProducer(count: entry.count, height: entry.height, width: entry.width, elementType: type,
                                   name: entry.path) { (first, k, buffer) throws(StorageError) in
                try fill(buffer, entry: entry, first: first, count: k, type: type)
            })
        }
    }

    /// Writes masks `first..<first + count` of `entry` into `buffer` as `type`, little-endian.
    func fill(_ buffer: UnsafeMutableRawBufferPointer, entry: Entry, first: Int, count: Int,
              type: NpyHeader.ElementType) throws(StorageError) {
        let p = try plane(entry.path)
        guard p.width == entry.width, p.height == entry.height, p.bitDepth == entry.bitDepth else {
            throw StorageError.invalidInput(file: entry.path, location: "", reason: "the file changed during the ingest")
        }
        let pixels = p.width * p.height
        if labelMap {
            for j in 0..<count {
                let c = entry.classes[first + j]
                for i in 0..<pixels { buffer[j * pixels + i] = p.samples[i] == c ? 255 : 0 }
            }
        } else if type == .uint8 {
            for i in 0..<pixels { buffer[i] = UInt8(truncatingIfNeeded: p.samples[i]) }
        } else {
            let scale = Float(p.maxSample)
            for i in 0..<pixels {
                buffer.storeBytes(of: (Float(p.samples[i]) / scale).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
    }

    /// The metadata when `--meta` is not given: `image_id` from the files' name stems when
    /// every stem is an integer, `mask_type` = the class id with `labelMap`; nil when neither
    /// applies (the defaults: image_id = mask_id, mask_type = 0).
    func metadata(_ entries: [Entry]) -> CSVSource? {
        let stems = entries.map { Int64((($0.path as NSString).lastPathComponent as NSString).deletingPathExtension) }
        let imageIDs = stems.allSatisfy { $0 != nil } ? stems.compactMap { $0 } : nil
        guard imageIDs != nil || labelMap else { return nil }
        var text = [imageIDs != nil ? "image_id" : nil, labelMap ? "mask_type" : nil].compactMap { $0 }.joined(separator: ",") + "\n"
        for (n, entry) in entries.enumerated() {
            for m in 0..<entry.count {
                let fields = [imageIDs.map { String($0[n]) }, labelMap ? String(entry.classes[m]) : nil].compactMap { $0 }
                text += fields.joined(separator: ",") + "\n"
            }
        }
        return .text(text, name: "the metadata of the image files")
    }
}
