/// The Oracle's SUM of Doubles: the exact sum of the values, rounded once to the nearest Double
/// (ties to even) — the definition the engine implements with Shewchuk's partials (`ExactSum`),
/// here by a different method sharing no code with it: every finite Double is m·2^e with
/// e ≥ −1074, so the sum is an integer multiple of 2^−1074, accumulated exactly in a big
/// integer (32-bit limbs, positive and negative parts apart), then rounded.
enum OracleExactSum {
    static let limbs = 72  // 2^2304 > 2^(2098 + 64): any finite Double, 2^64 times over

    static func sum(_ values: [Double]) -> Double {
        var pos = [UInt64](repeating: 0, count: limbs), neg = pos
        for v in values {
            precondition(v.isFinite)
            if v == 0 { continue }
            let bits = v.exponentBitPattern
            let m = bits == 0 ? v.significandBitPattern : v.significandBitPattern | (1 << 52)
            let shift = bits == 0 ? 0 : Int(bits) - 1
            if v < 0 { add(m, shiftedBy: shift, to: &neg) } else { add(m, shiftedBy: shift, to: &pos) }
        }
        let c = compare(pos, neg)
        if c == 0 { return 0 }
        let magnitude = c > 0 ? subtract(pos, neg) : subtract(neg, pos)
        return round(magnitude, negative: c < 0)
    }

    /// Limbs hold 32 bits each in a UInt64 (carries normalised after every add).
    static func add(_ m: UInt64, shiftedBy s: Int, to a: inout [UInt64]) {
        let r = UInt64(s % 32)
        let lo = m << r, hi = r == 0 ? 0 : m >> (64 - r)
        let chunks = [lo & 0xFFFF_FFFF, lo >> 32, hi & 0xFFFF_FFFF, hi >> 32]
        var carry: UInt64 = 0
        var i = s / 32, k = 0
        while k < 4 || carry != 0 {
            let t = a[i] + (k < 4 ? chunks[k] : 0) + carry
            a[i] = t & 0xFFFF_FFFF
            carry = t >> 32
            i += 1
            k += 1
        }
    }

    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        for i in stride(from: limbs - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }

    static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = a
        var borrow: UInt64 = 0
        for i in 0..<limbs {
            let sub = b[i] + borrow
            if out[i] >= sub { out[i] -= sub; borrow = 0 } else { out[i] = out[i] + (1 << 32) - sub; borrow = 1 }
        }
        return out
    }

    /// magnitude · 2^−1074 rounded to nearest, ties to even.
    static func round(_ a: [UInt64], negative: Bool) -> Double {
        func bit(_ k: Int) -> UInt64 { (a[k / 32] >> UInt64(k % 32)) & 1 }
        var top = limbs * 32 - 1
        while bit(top) == 0 { top -= 1 }
        let length = top + 1
        var significand: UInt64 = 0
        let shift = max(0, length - 53)
        for k in stride(from: top, through: shift, by: -1) { significand = significand << 1 | bit(k) }
        if shift > 0 {
            let half = bit(shift - 1) == 1
            var sticky = false
            for k in 0..<(shift - 1) where bit(k) == 1 { sticky = true; break }
            if half && (sticky || significand & 1 == 1) { significand += 1 }
        }
        return Double(sign: negative ? .minus : .plus, exponent: shift - 1074, significand: Double(significand))
    }
}
