import MaskFormat
import MaskStorage

/// One mask read of a verification pass: mask `row`, the image rows `rows` its consumer needs
/// (empty: nothing to read unless the index takes the mask whole), and whether the index
/// observer may be offered the mask whole (false for a mask this query already read).
struct MaskRead {
    var row: Int
    var rows: Range<Int>
    var mayIndex: Bool
}

/// The reads of a pass's items, item after item: item `i` reads `reads[range(of: i)]`, in order
/// (a row verification has at most one read per item, a mask aggregation one per member).
struct MaskReadList {
    private(set) var reads: [MaskRead] = []
    private var starts: [Int] = [0]

    var itemCount: Int { starts.count - 1 }

    /// Adds a read to the current item.
    mutating func append(_ read: MaskRead) { reads.append(read) }

    /// Closes the current item (possibly without reads) and starts the next one.
    mutating func endItem() { starts.append(reads.count) }

    func range(of item: Int) -> Range<Int> { starts[item]..<starts[item + 1] }
}

/// The codes of image rows `rows` of one mask, `width × bytesPerPixel` bytes per image row;
/// `base` is image row `rows.lowerBound` (never dereferenced when `rows` is empty).
struct MaskPixels {
    let base: UnsafeRawPointer
    let rows: Range<Int>
}

/// What a `VerificationPass` does with the pixels it reads. Each chunk of the pass makes one
/// `Worker` (its scratch) and, for each of its items that has reads, calls `begin`, `consume`
/// once per read in order, then `end`. Items must write their results to their own slots, so
/// that the outcome does not depend on scheduling.
protocol PixelConsumer {
    associatedtype Worker
    func makeWorker() -> Worker
    func begin(item: Int, worker: inout Worker)
    func consume(item: Int, pixels: MaskPixels, worker: inout Worker)
    func end(item: Int, worker: inout Worker)
}

extension PixelConsumer {
    func begin(item: Int, worker: inout Worker) {}
    func end(item: Int, worker: inout Worker) {}
}

/// One verification pass: reads the masks a query could not decide from bounds and hands their
/// pixels to a `PixelConsumer` (row verification: `PixelVerifier`; mask aggregation:
/// `MaskAggregation`).
///
/// Algorithm: the items are split into chunks (`ParallelChunks`, boundaries depending only on
/// the item count). Before any read, each read is offered whole to the index observer
/// (`IndexObserver.wantsWholeMask`, asked once, in item order) and each chunk's extra cost is
/// admitted or not by `IndexingBudget.admitted`. The chunks then run in parallel, each with its
/// own scratch, `ReadAhead` and `ReleaseBehind`: a read covers the rows its consumer needs, or the whole mask when
/// the observer wants it and its chunk is admitted, in which case the observer `observe`s it —
/// or, when the observer indexes after the answer (`IndexObserver.defersIndexing`), the rows
/// needed only, the mask being noted for the observer to read whole later (`deferIndexing`).
/// A chunk stops at its first failed read; the pass throws the failure of the first chunk (in
/// item order) that had one, so the error does not depend on scheduling either.
/// - Complexity: O(reads) planning, plus the reads and the consumer's work.
struct VerificationPass {
    let table: any MaskTable
    let observer: (any IndexObserver)?
    /// The smallest chunk of items (`ParallelChunks.ranges`).
    let minimumChunk: Int
    /// Items per read-ahead step (`ReadAhead.window`).
    let readAheadWindow: Int

    /// What one chunk ended with.
    private enum ChunkResult {
        /// Every read done; this many masks newly indexed.
        case indexed(Int)
        case failed(QueryError)
    }

    /// Items between two releases of the pages a chunk read (`ReleaseBehind`): 4,096 masks of
    /// 224×224 are ~45 MB of blocks.
    static let releaseSpan = 4096

    /// Which reads are taken whole for the index.
    private struct Admission {
        /// Per read: the observer wants the mask whole.
        var wanted: [Bool]
        /// Per chunk: its wanted reads are taken whole.
        var admitted: [Bool]
        /// The observer indexes after the answer: admitted reads are noted, not read whole.
        var deferred: Bool

        /// The read is admitted for the index (read whole now, or noted when `deferred`).
        func indexed(read: Int, chunk: Int) -> Bool { admitted[chunk] && wanted[read] }

        /// The read is taken whole now.
        func whole(read: Int, chunk: Int) -> Bool { !deferred && indexed(read: read, chunk: chunk) }
    }

    /// Runs the pass over `reads` and returns the number of masks newly indexed (or noted for
    /// indexing after the answer).
    func run<Consumer: PixelConsumer>(_ reads: MaskReadList, _ consumer: Consumer) throws(QueryError) -> Int {
        let chunks = ParallelChunks.ranges(count: reads.itemCount, minimumChunk: minimumChunk)
        guard !chunks.isEmpty, !reads.reads.isEmpty else { return 0 }
        let admission = admit(reads, chunks: chunks)
        let results = ParallelChunks.map(chunks) { chunk, range in runChunk(chunk, items: range, reads, admission, consumer) }
        var indexed = 0
        for result in results {
            switch result {
            case .indexed(let n): indexed += n
            case .failed(let error): throw error
            }
        }
        return indexed
    }

    /// Asks the observer which reads it wants whole, and admits chunks within the budget.
    /// - Complexity: O(reads) observer calls.
    private func admit(_ list: MaskReadList, chunks: [Range<Int>]) -> Admission {
        let rowBytes = table.width * table.pixelFormat.bytesPerPixel, wholeBytes = table.height * rowBytes
        var wanted = [Bool](repeating: false, count: list.reads.count)
        var demands = [IndexingBudget.ChunkDemand](repeating: .init(), count: chunks.count)
        for (chunk, items) in chunks.enumerated() {
            for item in items {
                for k in list.range(of: item) {
                    let read = list.reads[k]
                    let wants = read.mayIndex && observer?.wantsWholeMask(row: read.row) == true
                    wanted[k] = wants
                    demands[chunk].add(neededBytes: read.rows.count * rowBytes, wholeBytes: wants ? wholeBytes : nil,
                                       store: wants ? observer?.storePages(row: read.row) : nil)
                }
            }
        }
        let admitted = IndexingBudget.admitted(demands, fresh: !(observer?.hasPendingEntries ?? false))
        return Admission(wanted: wanted, admitted: admitted, deferred: observer?.defersIndexing ?? false)
    }

    /// One chunk: its items in order, with read-ahead, whole-mask observation and the consumer.
    private func runChunk<Consumer: PixelConsumer>(_ chunk: Int, items: Range<Int>, _ list: MaskReadList,
                                                   _ admission: Admission, _ consumer: Consumer) -> ChunkResult {
        let height = table.height, rowBytes = table.width * table.pixelFormat.bytesPerPixel
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, height * rowBytes), alignment: 64)
        defer { scratch.deallocate() }
        var worker = consumer.makeWorker()
        let readAhead = ReadAhead(table: table, range: items, window: readAheadWindow) { ahead in
            ahead.flatMap { item in
                list.range(of: item).compactMap { k -> (row: Int, rows: Range<Int>)? in
                    let rows = admission.whole(read: k, chunk: chunk) ? 0..<height : list.reads[k].rows
                    return rows.isEmpty ? nil : (list.reads[k].row, rows)
                }
            }
        }
        var noted = Set<Int>()
        let releaseBehind = ReleaseBehind(table: table, range: items, span: VerificationPass.releaseSpan, rows: { done in
            done.flatMap { item in list.range(of: item).map { list.reads[$0].row } }
        }, kept: { noted.contains($0) })
        var indexed = 0
        for item in items {
            readAhead.before(item)
            defer { releaseBehind.after(item) }
            let itemReads = list.range(of: item)
            if itemReads.isEmpty { continue }
            consumer.begin(item: item, worker: &worker)
            for k in itemReads {
                let read = list.reads[k], whole = admission.whole(read: k, chunk: chunk)
                let pixels: MaskPixels
                do {
                    pixels = try self.read(read, whole: whole, into: scratch)
                } catch {
                    return .failed(error)
                }
                if whole, let observer,
                   observer.observe(row: read.row, pixels: UnsafeRawBufferPointer(rebasing: scratch[0..<(height * rowBytes)])) {
                    indexed += 1
                } else if admission.deferred, admission.indexed(read: k, chunk: chunk), observer?.deferIndexing(row: read.row) == true {
                    noted.insert(read.row)
                    indexed += 1
                }
                consumer.consume(item: item, pixels: pixels, worker: &worker)
            }
            consumer.end(item: item, worker: &worker)
        }
        return .indexed(indexed)
    }

    /// Reads the rows `read` needs (all of them when `whole`) into `scratch`; the pixels of the
    /// rows needed. Storage may read more rows than asked (whole bands): `base` skips them.
    private func read(_ read: MaskRead, whole: Bool, into scratch: UnsafeMutableRawBufferPointer) throws(QueryError) -> MaskPixels {
        let rowBytes = table.width * table.pixelFormat.bytesPerPixel
        let asked = whole ? 0..<table.height : read.rows
        let start = UnsafeRawPointer(scratch.baseAddress!)
        guard !asked.isEmpty else { return MaskPixels(base: start, rows: read.rows) }
        let covered: Range<Int>
        do {
            covered = try table.readCoveringRows(row: read.row, rows: asked, into: scratch)
        } catch {
            throw QueryError(kind: .io, location: nil, token: "",
                             message: "reading mask \(table.maskID(row: read.row)) (row \(read.row)): \(error)", cause: error)
        }
        guard !read.rows.isEmpty else { return MaskPixels(base: start, rows: read.rows) }
        return MaskPixels(base: start + (read.rows.lowerBound - covered.lowerBound) * rowBytes, rows: read.rows)
    }
}
