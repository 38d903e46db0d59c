import MaskFormat
import Synchronization

/// A check of one on-disk structure (a checksum, a structural validation) run the first time
/// the structure is read instead of when its file is opened, so that opening a database
/// costs O(files) whatever the number of masks, and each query pays only for what it reads.
///
/// The outcome is kept: a passed check costs one atomic load afterwards; a failed one throws
/// the same error on every later read. Two threads reading an unchecked structure at once may
/// both run the check (it is idempotent); neither reads the structure before its check passed.
final class FirstReadCheck: Sendable {
    private enum State: UInt8 {
        case unchecked = 0, passed = 1, failed = 2
    }

    private let state = Atomic<UInt8>(State.unchecked.rawValue)
    private let failure = Mutex<FormatError?>(nil)

    init() {}

    /// Runs `check` unless it already ran: returns when it passed, throws its error when it failed.
    /// - Complexity: O(1) once the check ran; the check's cost the first time.
    @inline(__always)
    func ensure(_ check: () throws(FormatError) -> Void) throws(FormatError) {
        if state.load(ordering: .acquiring) == State.passed.rawValue { return }
        try ensureSlow(check)
    }

    private func ensureSlow(_ check: () throws(FormatError) -> Void) throws(FormatError) {
        if state.load(ordering: .acquiring) == State.failed.rawValue, let error = failure.withLock({ $0 }) {
            throw error
        }
        do throws(FormatError) {
            try check()
            state.store(State.passed.rawValue, ordering: .releasing)
        } catch {
            failure.withLock { $0 = error }
            state.store(State.failed.rawValue, ordering: .releasing)
            throw error
        }
    }
}
