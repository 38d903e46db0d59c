@testable import MaskStorage
import Testing

/// The names a directory without a MANIFEST may hold and still be taken as an empty database
/// (a first writer killed before its commit), and the parent a new database directory's
/// creation fsyncs.
@Suite struct WriterLeftoverTests {
    @Test func writerFileNames() {
        for name in ["seg-000001.mss", "seg-000001.mss.tmp-123", "roi-000002.msr", "chi-000010.chi.tmp-9", "MANIFEST.tmp-4242"] {
            #expect(DatabaseDirectory.isWriterFile(name), "\(name)")
        }
        for name in ["seg-notes.txt", "seg-.mss", "seg-00001a.mss", "MANIFEST", "MANIFEST.tmp-", "MANIFEST.tmp-12x",
                     "chi-000001.chi.tmp-1.bak", "seg-000001.msr", "data.npy", "LOCK", ".seg-000001.mss"] {
            #expect(!DatabaseDirectory.isWriterFile(name), "\(name)")
        }
    }

    @Test func parentDirectories() {
        #expect(SystemCalls.parentDirectory("db") == ".")
        #expect(SystemCalls.parentDirectory("/db") == "/")
        #expect(SystemCalls.parentDirectory("/tmp/x/db/") == "/tmp/x")
        #expect(SystemCalls.parentDirectory("a/b") == "a")
    }
}
