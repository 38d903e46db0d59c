#if canImport(Glibc)
import Glibc
#endif

/// The stack a query's recursive passes run on, independent of the caller's thread.
///
/// Parsing, binding, the plan text and the evaluation of expression trees recurse once per level
/// of a query's expressions (at most `Parser.maxDepth` levels). How much stack that takes depends
/// on the build (a debug build's parser takes about 18 KB a parenthesised level, 4.6 MB at the
/// limit; a release build about 3 KB), and the caller's thread may have far less: glibc gives new
/// threads — dispatch workers, Swift concurrency's pool, a Python thread calling the C ABI — a
/// stack of `RLIMIT_STACK`, or 2 MB when `ulimit -s` is unlimited. So each query runs on a thread
/// of its own with a stack of `size` bytes, and the caller waits for it (PostgreSQL bounds the
/// same recursion with `max_stack_depth` against the stack it was given; here the stack is chosen
/// to fit the depth limit instead).
///
/// Cost: one `pthread_create` and join a call — measured with the same calls in C on this
/// project's machine: 68–85 µs for a process's first such thread, 22–26 µs for the next (glibc
/// reuses the stacks of finished threads); the stack is reserved address space, touched only as
/// deep as the query goes.
enum QueryStack {
    /// Four times what the deepest accepted query needs in a debug build.
    static let size = 16 << 20

    /// `body`'s result or error, computed on a thread with a stack of `size` bytes; on the calling
    /// thread when no thread can be started (the depth limit then is the only bound).
    static func run<T>(_ body: () throws(QueryError) -> T) throws(QueryError) -> T {
        var outcome: Result<T, QueryError>?
        withoutActuallyEscaping(body) { escapable in
            let job = QueryThreadJob { outcome = Result { () throws(QueryError) -> T in try escapable() } }
            if !job.runOnNewThread(stackSize: size) { job.work() }
        }
        // The job ran to completion (joined, or run here), so `outcome` is set.
        return try outcome!.get()
    }
}

/// One closure run on a thread of its own (`QueryStack`); the caller joins the thread before
/// reading anything the closure wrote, so handing it across is safe.
private final class QueryThreadJob: @unchecked Sendable {
    let work: () -> Void

    init(_ work: @escaping () -> Void) { self.work = work }

    /// Runs `work` on a new thread with a stack of `stackSize` bytes and joins it; false when
    /// the thread could not be started (nothing ran).
    func runOnNewThread(stackSize: Int) -> Bool {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return false }
        defer { pthread_attr_destroy(&attributes) }
        guard pthread_attr_setstacksize(&attributes, stackSize) == 0 else { return false }
        let context = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { raw in
            let job = Unmanaged<QueryThreadJob>.fromOpaque(raw!).takeRetainedValue()
            job.work()
            return nil
        }, context.toOpaque())
        guard started == 0 else {
            context.release()
            return false
        }
        pthread_join(thread, nil)
        return true
    }
}
