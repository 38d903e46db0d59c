import Testing
@testable import MaskImaging

/// `MaskPlane`: the channel a mask file's samples are read from (CONTRACT.md section 8).
@Suite struct MaskPlaneTests {
    /// 2×1 pixels of `channels` interleaved samples: pixel p, channel c holds 10·p + c.
    static func samples(channels: Int) -> [UInt16] {
        (0..<2).flatMap { p in (0..<channels).map { UInt16(10 * p + $0) } }
    }

    static func pick(_ channels: Int, _ channel: MaskPlane.Channel?) throws(ImagingError) -> [UInt16] {
        try MaskPlane.pick(width: 2, height: 1, bitDepth: 8, channels: channels, samples: samples(channels: channels),
                           channel: channel, what: "test").samples
    }

    @Test func greyIsReadAsIsWhateverTheChannel() throws {
        #expect(try Self.pick(1, nil) == [0, 10])
        #expect(try Self.pick(1, .a) == [0, 10])
    }

    @Test func severalChannelsNeedAChoice() throws {
        for channels in [2, 3, 4] {
            #expect(throws: ImagingError.self) { try Self.pick(channels, nil) }
        }
        #expect(throws: ImagingError.self) { try Self.pick(3, .a) }
    }

    @Test func theChosenChannelIsRead() throws {
        // Grey + alpha: r, g and b are the grey, a the alpha.
        #expect(try Self.pick(2, .r) == [0, 10])
        #expect(try Self.pick(2, .b) == [0, 10])
        #expect(try Self.pick(2, .a) == [1, 11])
        #expect(try Self.pick(3, .g) == [1, 11])
        #expect(try Self.pick(3, .b) == [2, 12])
        #expect(try Self.pick(4, .a) == [3, 13])
        #expect(try Self.pick(4, .r) == [0, 10])
    }

    @Test func aFileThatIsNoImageIsRefused() {
        #expect(throws: ImagingError.self) { try MaskPlane.decode([1, 2, 3], channel: nil, what: "test") }
    }
}
