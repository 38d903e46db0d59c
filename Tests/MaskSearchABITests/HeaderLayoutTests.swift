import Foundation
import MaskSearchABI
import Testing

/// The offsets the Swift side reads and writes (`ErrorRecord`, `IngestRequest`) are those a
/// C compiler gives the structs of the committed header.
@Suite struct HeaderLayoutTests {
    static let header = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/MaskSearchABI/include/masksearch.h").standardized.path

    static let program = """
        #include <stddef.h>
        #include <stdio.h>
        #include "masksearch.h"
        int main(void) {
            printf("%zu %zu %zu %zu %zu\\n", sizeof(ms_error), offsetof(ms_error, kind), offsetof(ms_error, position),
                   offsetof(ms_error, token), offsetof(ms_error, message));
            printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu\\n", sizeof(ms_ingest_request),
                   offsetof(ms_ingest_request, data), offsetof(ms_ingest_request, count),
                   offsetof(ms_ingest_request, height), offsetof(ms_ingest_request, width),
                   offsetof(ms_ingest_request, element_type), offsetof(ms_ingest_request, storage),
                   offsetof(ms_ingest_request, clip), offsetof(ms_ingest_request, meta_csv));
            printf("%d %d %d %d %d %d\\n", MS_ABI_VERSION, MS_ERROR_QUERY, MS_ERROR_INPUT, MS_ERROR_INTERNAL,
                   MS_ERROR_CLOSED, MS_FLOAT64);
            return 0;
        }
        """

    /// Runs `arguments` and returns its standard output, or nil when it fails.
    static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    @Test func swiftOffsetsMatchTheCCompiler() throws {
        let dir = ScratchDirectory()
        let source = dir.path + "/layout.c"
        try Self.program.write(toFile: source, atomically: true, encoding: .utf8)
        let include = (Self.header as NSString).deletingLastPathComponent
        // cc, else the clang every Swift toolchain ships.
        let compiled = ["cc", "clang"].contains { compiler in
            Self.run([compiler, "-std=c99", "-Wall", "-Werror", "-I", include, "-o", dir.path + "/layout", source]) != nil
        }
        guard compiled else {
            Issue.record("neither cc nor clang compiled the header")
            return
        }
        let lines = Self.run([dir.path + "/layout"])?.split(separator: "\n").map { $0.split(separator: " ").map { Int($0) ?? -1 } }
        #expect(lines?[0] == [ErrorRecord.size, ErrorRecord.kindOffset, ErrorRecord.positionOffset,
                              ErrorRecord.tokenOffset, ErrorRecord.messageOffset])
        #expect(lines?[1] == [IngestRequest.size, IngestRequest.dataOffset, IngestRequest.countOffset, IngestRequest.heightOffset,
                              IngestRequest.widthOffset, IngestRequest.elementTypeOffset, IngestRequest.storageOffset,
                              IngestRequest.clipOffset, IngestRequest.metaOffset])
        #expect(lines?[2] == [1, Int(ABIError.Kind.query.rawValue), Int(ABIError.Kind.input.rawValue),
                              Int(ABIError.Kind.internal.rawValue), Int(ABIError.Kind.closed.rawValue), 3])
    }
}
