import MaskFormat
import Testing
@testable import MaskQuery

/// `RowStates` keeps states per block of rows, made at the first write: rows never written read
/// as a fresh state (no named box, CP unbounded) wherever they are, written rows keep their own.
@Suite struct RowStatesTests {
    @Test func rowsReadTheirOwnStatesAcrossBlocks() {
        let full = PixelBox(x0: 0, y0: 0, x1: 8, y1: 8)
        let states = RowStates(rows: 5_000, constantBoxes: [full, nil], termCount: 2)
        let written = [0, 1, 1_023, 1_024, 4_999]
        for row in written {
            states.setBox(PixelBox(x0: 0, y0: 0, x1: row % 7 + 1, y1: 2), row: row, roi: 1)
            states[cp: row, term: 1] = .exact(.int(Int64(row)))
        }
        for row in [2, 1_500, 3_000] + written {
            #expect(states.box(row: row, roi: 0) == full)
            let box = written.contains(row) ? PixelBox(x0: 0, y0: 0, x1: row % 7 + 1, y1: 2) : nil
            #expect(states.box(row: row, roi: 1) == box)
            if case .range(let lo, let hi, let maybeNull) = states[cp: row, term: 0] {
                #expect(lo == -.infinity && hi == .infinity && maybeNull)
            } else {
                Issue.record("term 0 of row \(row) is not unbounded")
            }
            #expect(states[cp: row, term: 1].exactValue == (written.contains(row) ? .int(Int64(row)) : nil))
        }
    }
}
