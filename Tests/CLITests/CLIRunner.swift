import Foundation

/// Runs the real `masksearch` binary, as users and CI do.
enum CLI {
    static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("masksearch").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("masksearch").path,
            Bundle.main.bundleURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("masksearch").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs the binary to its end; `environment` is added to this process's own.
    @discardableResult
    static func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary directory, removed at deinit.
final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "ms-cli-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes an (n, h, w) uint8 .npy of smooth deterministic values.
func writeNpyU8(_ path: String, n: Int, h: Int, w: Int, seed: UInt64) throws {
    var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), \(h), \(w)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    var data = Data(bytes)
    var state = seed
    var mask = [UInt8](repeating: 0, count: h * w)
    for _ in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let cx = Int(state >> 33) % w, cy = Int(state >> 17) % h
        for y in 0..<h {
            for x in 0..<w {
                let d = abs(x - cx) + abs(y - cy)
                mask[y * w + x] = UInt8(max(0, 255 - d * 2))
            }
        }
        data.append(contentsOf: mask)
    }
    try data.write(to: URL(fileURLWithPath: path))
}
