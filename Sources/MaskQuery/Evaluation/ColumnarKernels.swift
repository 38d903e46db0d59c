import MaskFormat

/// The loops of columnar evaluation: one tight loop per operator over a block, with exactly
/// the per-value semantics of `ValueSemantics` (comparison, arithmetic, negation).
enum ColumnarKernels {
    /// The outcomes of a comparison as a bit set over the order of the operands: bit 0 less,
    /// bit 1 equal, bit 2 greater (bit 3, incomparable, is never set: unknown).
    static func accepted(_ op: BinaryOperator) -> UInt64 {
        switch op {
        case .less: return 0b001
        case .lessEqual: return 0b011
        case .equal: return 0b010
        case .notEqual: return 0b101
        case .greater: return 0b100
        case .greaterEqual: return 0b110
        default: return 0  // `ValueSemantics.compare`: false for comparable values
        }
    }

    /// `a op b` into `t` (true) and `f` (false) bits; rows in neither are unknown (a NULL side,
    /// or an incomparable pair). Per row a byte, then packed: loops the compiler vectorises.
    /// - Complexity: O(rows).
    static func compare(_ op: BinaryOperator, _ a: ColumnarExpr, _ b: ColumnarExpr, rows: Int,
                        t: UnsafeMutablePointer<UInt64>, f: UnsafeMutablePointer<UInt64>) {
        let yes = accepted(op), no = ~yes & 0b111
        let x = a.values, y = b.values
        switch (a.kind, b.kind) {
        case (.int, .int):
            intCompare(op, x, y, rows: rows, t: t, f: f)
        case (.double, .double):
            orderBits(rows, yes, no, t, f) { i in order(Double(bitPattern: x[i]), Double(bitPattern: y[i])) }
        case (.int, .double):
            orderBits(rows, yes, no, t, f) { i in order(int: Int64(bitPattern: x[i]), double: Double(bitPattern: y[i])) }
        case (.double, .int):
            orderBits(rows, yes, no, t, f) { i in
                let o = order(int: Int64(bitPattern: y[i]), double: Double(bitPattern: x[i]))
                return o == 3 ? 3 : 2 - o
            }
        default:  // TEXT is never compiled into a comparison
            t.update(repeating: 0, count: ColumnarBlock.words)
            f.update(repeating: 0, count: ColumnarBlock.words)
            return
        }
        for w in 0..<(rows + 63) / 64 {
            let both = a.valid[w] & b.valid[w]
            t[w] &= both
            f[w] &= both
        }
    }

    /// INT64 `x op y` (always comparable: false is not true) by one comparison a row.
    static func intCompare(_ op: BinaryOperator, _ x: UnsafeMutablePointer<UInt64>, _ y: UnsafeMutablePointer<UInt64>,
                           rows: Int, t: UnsafeMutablePointer<UInt64>, f: UnsafeMutablePointer<UInt64>) {
        @inline(__always) func run(_ test: (Int64, Int64) -> Bool) {
            withBits(rows: rows, { i in test(Int64(bitPattern: x[i]), Int64(bitPattern: y[i])) }) { bits in
                for w in 0..<(rows + 63) / 64 { (t[w], f[w]) = (bits[w], ~bits[w]) }
            }
        }
        switch op {
        case .less: run(<)
        case .lessEqual: run(<=)
        case .equal: run(==)
        case .notEqual: run(!=)
        case .greater: run(>)
        case .greaterEqual: run(>=)
        default: run { _, _ in false }
        }
    }

    /// The order of a pair: 0 less, 1 equal, 2 greater, 3 incomparable.
    @inline(__always) static func order(_ x: Int64, _ y: Int64) -> UInt64 { x < y ? 0 : (x > y ? 2 : 1) }
    /// As `ValueSemantics.compare` of two doubles (NaN, which never reaches here, is "equal").
    @inline(__always) static func order(_ x: Double, _ y: Double) -> UInt64 { x < y ? 0 : (x > y ? 2 : 1) }
    /// As `ValueSemantics.compare(int:double:)`; NaN is incomparable.
    @inline(__always) static func order(int x: Int64, double y: Double) -> UInt64 {
        y.isNaN ? 3 : UInt64(ValueSemantics.compare(int: x, double: y) + 1)
    }

    /// Per-row orders into true bits (order in `yes`) and false bits (order in `no`).
    @inline(__always)
    static func orderBits(_ rows: Int, _ yes: UInt64, _ no: UInt64, _ t: UnsafeMutablePointer<UInt64>,
                          _ f: UnsafeMutablePointer<UInt64>, _ order: (Int) -> UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * ColumnarBlock.rows) { buffer in
            let tb = buffer.baseAddress!, fb = tb + ColumnarBlock.rows
            for i in 0..<rows {
                let o = order(i)
                tb[i] = UInt8(truncatingIfNeeded: (yes >> o) & 1)
                fb[i] = UInt8(truncatingIfNeeded: (no >> o) & 1)
            }
            pack(tb, rows: rows, into: t)
            pack(fb, rows: rows, into: f)
        }
    }

    /// Calls `body` with the bits (`ColumnarBlock.words` words) of `rows` per-row conditions.
    @inline(__always)
    static func withBits(rows: Int, _ condition: (Int) -> Bool, _ body: (UnsafeMutablePointer<UInt64>) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ColumnarBlock.rows) { bytes in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: ColumnarBlock.words) { words in
                let b = bytes.baseAddress!
                for i in 0..<rows { b[i] = condition(i) ? 1 : 0 }
                pack(b, rows: rows, into: words.baseAddress!)
                body(words.baseAddress!)
            }
        }
    }

    /// Packs `rows` bytes of 0 or 1 into bits, 64 a word: each 8 bytes (little-endian) by one
    /// multiplication that gathers their low bits into the top byte. Bytes past `rows`, up to
    /// the word's end, are zeroed first (the buffer holds `ColumnarBlock.rows`).
    static func pack(_ bytes: UnsafeMutablePointer<UInt8>, rows: Int, into out: UnsafeMutablePointer<UInt64>) {
        let words = (rows + 63) / 64
        for i in rows..<(64 * words) { bytes[i] = 0 }
        let raw = UnsafeRawPointer(bytes)
        for w in 0..<words {
            var word: UInt64 = 0
            for k in 0..<8 {
                let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 64 * w + 8 * k, as: UInt64.self))
                word |= ((v &* 0x0102_0408_1020_4080) >> 56) << UInt64(8 * k)
            }
            out[w] = word
        }
    }

    /// `-a` (INT64 wraps, as `ValueSemantics.negate`).
    static func negate(_ a: ColumnarExpr, into out: ColumnarExpr, rows: Int) {
        let x = a.values, r = out.values
        if a.kind == .int {
            for i in 0..<rows { r[i] = UInt64(bitPattern: 0 &- Int64(bitPattern: x[i])) }
        } else {
            for i in 0..<rows { r[i] = (-Double(bitPattern: x[i])).bitPattern }
        }
        out.valid.update(from: a.valid, count: ColumnarBlock.words)
    }

    /// `a op b` as `ValueSemantics.arithmetic`: INT64 `+ - *` wrap when `out` is INT64; else in
    /// Double, NULL where not finite or divided by zero.
    static func arithmetic(_ op: BinaryOperator, _ a: ColumnarExpr, _ b: ColumnarExpr, into out: ColumnarExpr, rows: Int) {
        let x = a.values, y = b.values, r = out.values
        for w in 0..<ColumnarBlock.words { out.valid[w] = a.valid[w] & b.valid[w] }
        if out.kind == .int {
            switch op {
            case .add: for i in 0..<rows { r[i] = x[i] &+ y[i] }
            case .subtract: for i in 0..<rows { r[i] = x[i] &- y[i] }
            default: for i in 0..<rows { r[i] = UInt64(bitPattern: Int64(bitPattern: x[i]) &* Int64(bitPattern: y[i])) }
            }
            return
        }
        let aInt = a.kind == .int, bInt = b.kind == .int
        @inline(__always) func real(_ v: UInt64, _ isInt: Bool) -> Double {
            isInt ? Double(Int64(bitPattern: v)) : Double(bitPattern: v)
        }
        for w in 0..<(rows + 63) / 64 {
            var bad: UInt64 = 0
            let base = 64 * w
            for i in 0..<min(64, rows - base) {
                let p = real(x[base + i], aInt), q = real(y[base + i], bInt)
                let v: Double
                switch op {
                case .add: v = p + q
                case .subtract: v = p - q
                case .multiply: v = p * q
                case .divide: v = q == 0 ? .nan : p / q
                default: v = .nan
                }
                r[base + i] = v.bitPattern
                if !v.isFinite { bad |= 1 << UInt64(i) }
            }
            out.valid[w] &= ~bad
        }
    }
}
