/// How a mask's pixels are stored, and what a stored pixel means.
///
/// Semantics (CONTRACT.md section 1): a stored uint8 `q` means `Double(q) / 255.0`; a stored
/// float16 / float32 means its exact value widened to Double. All values lie in [0, 1], and
/// ingest stores -0.0 as +0.0, so the bit pattern of a stored float is monotone in its value.
/// That lets every kernel compare unsigned integer *codes* instead of values: a value range
/// becomes a code interval, computed once per query with exact Double comparisons.
public enum PixelFormat: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 1
    case float16 = 2
    case float32 = 3

    /// Bytes of one stored pixel.
    public var bytesPerPixel: Int {
        switch self {
        case .uint8: return 1
        case .float16: return 2
        case .float32: return 4
        }
    }

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .float16: return "float16"
        case .float32: return "float32"
        }
    }

    public init?(name: String) {
        switch name {
        case "uint8": self = .uint8
        case "float16": self = .float16
        case "float32": self = .float32
        default: return nil
        }
    }

    /// The largest code a stored value can have (the code of 1.0).
    public var codeOfOne: UInt32 {
        switch self {
        case .uint8: return 255
        case .float16: return UInt32(Float16(1.0).bitPattern)
        case .float32: return Float(1.0).bitPattern
        }
    }

    /// The value (as Double) a stored code means.
    @inlinable
    public func value(ofCode code: UInt32) -> Double {
        switch self {
        case .uint8: return Double(code) / 255.0
        case .float16: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: code)))
        case .float32: return Double(Float(bitPattern: code))
        }
    }

    /// The codes whose value `v` satisfies CP's predicate for `[lv, uv)`:
    /// `lv <= v < uv`, or `lv <= v` when `uv >= 1.0` (the closed top edge: values never
    /// exceed 1.0, so `[lv, uv) ∪ {1.0}` is `{ v >= lv }`). Returned as a half-open code
    /// interval `lo..<hi` (empty when `lo >= hi`), exact for every Double `lv`, `uv`.
    ///
    /// - Complexity: O(log codes) by binary search over the monotone code → value map.
    public func codeInterval(lower lv: Double, upper uv: Double) -> CodeInterval {
        let end = codeOfOne + 1
        let lo = firstCode(atLeast: lv)
        let hi = uv >= 1.0 ? end : firstCode(atLeast: uv)
        return CodeInterval(lo: lo, hi: hi)
    }

    /// The smallest code in 0...codeOfOne whose value is `>= x` (codeOfOne + 1 when none is).
    public func firstCode(atLeast x: Double) -> UInt32 {
        if x.isNaN { return codeOfOne + 1 }
        var lo: UInt32 = 0
        var hi: UInt32 = codeOfOne + 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if value(ofCode: mid) >= x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

/// A half-open interval of pixel codes `lo..<hi`; empty when `lo >= hi`.
public struct CodeInterval: Sendable, Hashable {
    public var lo: UInt32
    public var hi: UInt32
    public init(lo: UInt32, hi: UInt32) {
        self.lo = lo
        self.hi = hi
    }
    public var isEmpty: Bool { lo >= hi }
    @inlinable public func contains(_ code: UInt32) -> Bool { code >= lo && code < hi }
}
