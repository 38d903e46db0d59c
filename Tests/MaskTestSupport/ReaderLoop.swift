import Foundation

/// Threads running a body in a loop until stopped, recording each answer in order.
public final class ReaderLoop: @unchecked Sendable {
    public struct Answer: Equatable, Sendable {
        public var query: Int
        public var status: Int32
        public var text: String

        public init(query: Int, status: Int32, text: String) {
            self.query = query
            self.status = status
            self.text = text
        }
    }

    private let condition = NSCondition()
    private var answers: [[Answer]]
    private var stopping = false
    private var running: Int

    public init(threads: Int, _ body: @escaping @Sendable (Int, Int) throws -> Answer) {
        answers = Array(repeating: [], count: threads)
        running = threads
        for t in 0..<threads {
            Thread.detachNewThread { [self] in
                var i = t
                while !isStopping {
                    let a = (try? body(t, i)) ?? Answer(query: i, status: -1, text: "the body threw")
                    condition.lock()
                    answers[t].append(a)
                    condition.broadcast()
                    condition.unlock()
                    i += 1
                }
                condition.lock()
                running -= 1
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Answers completed so far, by all threads.
    public var completed: Int {
        condition.lock()
        defer { condition.unlock() }
        return answers.reduce(0) { $0 + $1.count }
    }

    /// Waits until every thread completed `each` more answers than at the call (at most 10
    /// minutes: a hang then fails the test's later checks instead of blocking the suite).
    public func waitForAnswers(each: Int) {
        condition.lock()
        let marks = answers.map(\.count)
        let deadline = Date().addingTimeInterval(600)
        while zip(answers, marks).contains(where: { $0.count < $1 + each }) && Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        condition.unlock()
    }

    /// Runs `steps` (writers) one after another while the readers run: before the first and
    /// after each, waits until every reader completed `each` + 1 more answers — the one it may
    /// have started before the step returned, then `each` started after it — so every state
    /// between steps is read by `each` consecutive answers of each reader (with `each` queries
    /// in rotation, by every query). Returns how many answers completed while a step ran.
    public func interleave(_ steps: [() throws -> Void], each: Int) throws -> Int {
        waitForAnswers(each: each + 1)
        var overlapped = 0
        for step in steps {
            let before = completed
            try step()
            overlapped += completed - before
            waitForAnswers(each: each + 1)
        }
        return overlapped
    }

    /// Stops the threads, waits for them, and returns each thread's answers in order.
    public func stop() -> [[Answer]] {
        condition.lock()
        stopping = true
        while running > 0 { condition.wait() }
        defer { condition.unlock() }
        return answers
    }
}

/// Checks readers' answers against the answers of each committed state.
public enum StateCheck {
    public struct Report: Sendable {
        public var failures: [String] = []
        /// How many answers matched each state (the earliest state consistent with the order).
        public var seen: [Int]
        public var finalStates: [Int] = []
    }

    /// Each answer must exit 0 and equal the answer of some state not earlier than the state
    /// of that thread's previous answer (a reader never goes back in time).
    public static func check(_ threads: [[ReaderLoop.Answer]], states: [[String]]) -> Report {
        var report = Report(seen: Array(repeating: 0, count: states.count))
        for answers in threads {
            var floor = 0
            for a in answers {
                guard a.status == 0 else {
                    report.failures.append("query \(a.query) exited \(a.status): \(a.text)")
                    continue
                }
                guard let state = (floor..<states.count).first(where: { states[$0][a.query] == a.text }) else {
                    let earlier = (0..<floor).contains { states[$0][a.query] == a.text }
                    report.failures.append("query \(a.query): \(earlier ? "an earlier state after a later one" : "an answer of no state"): \(a.text)")
                    continue
                }
                floor = state
                report.seen[state] += 1
            }
            report.finalStates.append(floor)
        }
        return report
    }
}
