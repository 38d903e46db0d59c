/// Appends the text rows of `meta.csv` and `rois/object.csv` as bytes, without `String`
/// formatting (a million rows stay well under a second).
struct CSVRowWriter {
    private(set) var bytes: [UInt8] = []

    static let metaHeader = "mask_id,image_id,model_id,mask_type,label,pred,kind\n"
    static let objectHeader = "image_id,x0,y0,x1,y1\n"

    /// Drops the rows, keeping the allocation for the next chunk.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// `mask_id,image_id,model_id,mask_type,label,pred,kind`
    mutating func appendMetaRow(maskID: Int, imageID: Int, mask: ImagePlan.PlannedMask, label: Int) {
        appendDecimal(maskID); bytes.append(0x2C)
        appendDecimal(imageID); bytes.append(0x2C)
        appendDecimal(mask.modelID); bytes.append(0x2C)
        appendDecimal(mask.maskType); bytes.append(0x2C)
        appendDecimal(label); bytes.append(0x2C)
        appendDecimal(mask.prediction); bytes.append(0x2C)
        bytes += mask.kind.rawValue.utf8
        bytes.append(0x0A)
    }

    /// `image_id,x0,y0,x1,y1` with two decimals (`8.24`).
    mutating func appendObjectRow(imageID: Int, box: ObjectBox) {
        appendDecimal(imageID)
        for hundredths in [box.x0Hundredths, box.y0Hundredths, box.x1Hundredths, box.y1Hundredths] {
            bytes.append(0x2C)
            appendDecimal(hundredths / 100)
            bytes.append(0x2E)
            bytes.append(0x30 + UInt8(hundredths % 100 / 10))
            bytes.append(0x30 + UInt8(hundredths % 10))
        }
        bytes.append(0x0A)
    }

    /// A non-negative integer in decimal.
    private mutating func appendDecimal(_ value: Int) {
        if value < 10 { bytes.append(0x30 + UInt8(value)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = 0x30 + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for k in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[k]) }
        }
    }
}
