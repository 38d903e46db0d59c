/// The element type of the generated `masks.npy`.
///
/// A mask value `v` in [0, 1] is first computed as a `Float`. `float32` stores that Float
/// (`<f4`); `uint8` stores `q = round(v · 255)` with ties to even, the product taken exactly
/// (in Double), so a uint8 dataset equals the float32 dataset of the same seed quantised the
/// way `masksearch ingest --dtype uint8` quantises float input (CONTRACT.md section 1).
public enum MaskElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case uint8
    case float32

    /// Bytes per stored pixel.
    public var byteCount: Int {
        switch self {
        case .uint8: return 1
        case .float32: return 4
        }
    }

    /// The NumPy type string written into the `.npy` header's `descr`.
    public var npyDescriptor: String {
        switch self {
        case .uint8: return "|u1"
        case .float32: return "<f4"
        }
    }

    public var description: String { rawValue }

    /// Parses `uint8` or `float32` (the CLI's `--dtype` values); nil for anything else.
    public init?(name: String) {
        self.init(rawValue: name)
    }
}
