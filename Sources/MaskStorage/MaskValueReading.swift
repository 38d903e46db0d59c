import MaskFormat

extension MaskTable {
    /// Reads the mask in `row` as Float values (H · W, row-major) into `out`: the stored
    /// value of each pixel by `PixelFormat.value(ofCode:)` (CONTRACT.md section 1: uint8 q is
    /// q/255 computed in Double, then rounded to Float; float16 and float32 are widened or
    /// kept exactly). `scratch` holds the stored codes (H · W · bytes per pixel); smaller
    /// buffers are an error.
    /// - Complexity: O(H · W) after reading the mask's blocks.
    public func readValues(row: Int, into out: UnsafeMutableBufferPointer<Float>,
                           scratch: UnsafeMutableRawBufferPointer) throws {
        let pixels = height * width
        guard out.count >= pixels && scratch.count >= pixels * pixelFormat.bytesPerPixel else {
            throw StorageError.invalidInput(file: "readValues", location: "mask row \(row)",
                                            reason: "buffers of \(out.count) values and \(scratch.count) bytes are smaller than one mask")
        }
        try readPixels(row: row, rows: 0..<height, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(pixels * pixelFormat.bytesPerPixel)]))
        let format = pixelFormat
        switch format {
        case .uint8:
            let table = (0..<256).map { Float(format.value(ofCode: UInt32($0))) }
            for i in 0..<pixels { out[i] = table[Int(scratch[i])] }
        case .float16:
            for i in 0..<pixels {
                let code = UInt16(littleEndian: scratch.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(format.value(ofCode: UInt32(code)))
            }
        case .float32:
            for i in 0..<pixels {
                out[i] = Float(format.value(ofCode: UInt32(littleEndian: scratch.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
            }
        }
    }
}
