import ArgumentParser
import Foundation

/// `masksearch-bench`: in-process measurements for the benchmark driver
/// (`Benchmarks/bench.py`), on a database built by the `masksearch` CLI.
///
/// - `limits DB`: the machine's ceilings as the engine sees them (LZ4 decode of every block,
///   LZ4 compress, raw counting, CRC-32C, CHI build, bound evaluation), 1 and 2 threads.
/// - `queries DB FILE`: runs each SQL line of FILE several times in one warm session and
///   prints one JSON object per query (run times, rows, stats).
/// - `open DB`: opening a database, and the first reads its first-read checks pay for.
///
/// Every figure is a median over `--repeat` timed passes after one untimed warm-up pass.
/// Output is one JSON object on stdout (JSON lines for `queries`).
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masksearch-bench",
        abstract: "In-process benchmarks of masksearch (see Benchmarks/README.md).",
        subcommands: [LimitsCommand.self, QueriesCommand.self, OpenCommand.self])
}

// MARK: - Timing helpers

/// Seconds taken by `body`.
@inline(never)
func timeSeconds(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    body()
    let d = clock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// CPU seconds used by the process so far (all threads).
func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// One warm-up call, then `repeats` timed calls; returns the median wall time, all wall
/// times, and the median CPU time (all threads) of a call.
func measure(repeats: Int, _ body: () -> Void) -> (median: Double, runs: [Double], cpu: Double) {
    body()
    var runs: [Double] = [], cpu: [Double] = []
    for _ in 0..<max(1, repeats) {
        let c0 = processCPUSeconds()
        runs.append(timeSeconds(body))
        cpu.append(processCPUSeconds() - c0)
    }
    return (median(runs), runs, median(cpu))
}

/// Minimal JSON writer (numbers, strings, nested objects and arrays).
indirect enum JSON {
    case number(Double)
    case int(Int)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    case raw(String)

    var text: String {
        switch self {
        case .number(let v):
            if !v.isFinite { return "null" }
            return String(format: "%.6g", v)
        case .int(let v): return String(v)
        case .string(let s):
            var out = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
                }
            }
            return out + "\""
        case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.map { JSON.string($0.0).text + ": " + $0.1.text }.joined(separator: ", ") + "}"
        case .raw(let s): return s
        }
    }
}

/// A figure measured with 1 and 2 (or more) threads: median work/s (wall), each run, and
/// work per CPU-second (median; "per core", insensitive to other processes on the machine).
func threadFigure(_ unit: String, _ perThreads: [(Int, Double, [Double], Double)]) -> JSON {
    .object([("unit", .string(unit))] + perThreads.map { t, m, runs, perCPU in
        ("threads_\(t)", JSON.object([("median", .number(m)), ("runs", .array(runs.map { .number($0) })),
                                      ("per_cpu_second", .number(perCPU))]))
    })
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
