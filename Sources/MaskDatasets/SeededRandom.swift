/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a 64-bit counter passed through a bijective finaliser. Used here only to
/// expand seeds into xoshiro state and to hash `(seed, stream)` pairs.
struct SplitMix64: RandomNumberGenerator {
    private(set) var state: UInt64

    init(state: UInt64) { self.state = state }

    /// The SplitMix64 finaliser: a bijection on UInt64 with full avalanche.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }
}

/// xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 2021): 256 bits of state, period 2^256 − 1, four xor/shift/rotate steps per output.
///
/// The generator owns every random decision of the dataset, so the output depends only on the
/// seed: each image draws from its own stream `(seed, imageIndex)`, which makes the files
/// independent of batching and thread count. Its helpers (`unitDouble`, `index(below:)`) are
/// defined here rather than taken from the standard library, whose algorithms may change
/// between Swift versions.
struct SeededRandom: RandomNumberGenerator {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for stream `stream` of `seed`; distinct pairs give unrelated sequences
    /// (the pair is hashed, then expanded by SplitMix64 as the xoshiro authors recommend).
    init(seed: UInt64, stream: UInt64) {
        var expander = SplitMix64(state: SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x632B_E59B_D9B4_E019)))
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
    }

    mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        return result
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform Double in [lower, upper).
    mutating func double(in lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unitDouble()
    }

    /// A uniform integer in 0..<bound (`bound > 0`), by Lemire's multiply-high
    /// (bias below 2^-50 for the small bounds used here).
    mutating func index(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        unitDouble() < p
    }
}

extension UInt64 {
    @inline(__always)
    func rotatedLeft(by k: UInt64) -> UInt64 {
        (self << k) | (self >> (64 - k))
    }
}
