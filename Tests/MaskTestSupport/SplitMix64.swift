/// SplitMix64: a small deterministic generator for seeded tests.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public static func hash(_ values: [Int]) -> UInt64 {
        var g = SplitMix64(seed: 0x1234_5678)
        var h: UInt64 = 0
        for v in values {
            g.state ^= UInt64(bitPattern: Int64(v))
            h = g.next() ^ (h &* 31)
        }
        return h
    }
}

