import Foundation
import Media
import Testing

/// The shared frame walk: every decoded frame has a preview, exactly the selected frames have
/// their full-size image, and they equal a full decode's frames.
struct SampledFrameWalkTests {
    @Test("chosen indices are sampled exactly, at full size, as a full decode gives them")
    func chosenIndices() throws {
        let path = Paths.fixture("h264_aac.mp4")
        let chosen: Set<Int> = [0, 7, 19, 42]
        var selector = FrameSelector(indices: chosen)
        #expect(selector.expected == 4 && !selector.wantsLastFrame && !selector.takesEveryFrame)
        var sampled: [Int: RGBImage] = [:]
        var previews = 0
        try SampledFrameWalk.run(try VideoReader(path: path), selector: &selector, frameCount: nil) { frame in
            #expect(max(frame.preview.width, frame.preview.height) <= SampledFrameWalk.previewSide)
            previews += 1
            if let image = frame.image { sampled[frame.index] = image }
        }
        #expect(Set(sampled.keys) == chosen)
        #expect(previews >= chosen.count, "each sampled frame has its preview too")
        let all = try VideoReader(path: path).frames(.all)
        var compared = 0
        while let frame = try all.next(), frame.index <= 42 {
            if let image = sampled[frame.index] {
                #expect(image == frame.image, "frame \(frame.index)")
                compared += 1
            }
        }
        #expect(compared == chosen.count)
    }
}
