import Media
import Testing
@testable import Faces

struct CropTests {
    /// An image whose pixel (x, y) is (x, y, 7), so crops can be checked by value.
    func gradient(_ w: Int, _ h: Int) -> RGBImage {
        var p = [UInt8]()
        for y in 0..<h { for x in 0..<w { p += [UInt8(x), UInt8(y), 7] } }
        return RGBImage(width: w, height: h, pixels: p)
    }

    @Test func conventionRoundTripsBetweenBoxAndSquare() {
        let c = CropConvention.utkface
        let box = FaceBox(x: 40, y: 30, width: 100, height: 100)
        let square = c.square(around: box)
        #expect(abs(square.width - 96.97) < 1e-9)
        #expect(abs(square.centerY - (80 + 8.69)) < 1e-9)
        let back = c.box(for: square)
        #expect(abs(back.x - box.x) < 1e-9)
        #expect(abs(back.y - box.y) < 1e-9)
        #expect(abs(back.width - box.width) < 1e-9)
    }

    @Test func faceForensicsMarginIsCentred() {
        let r = FaceCrop.region(for: FaceBox(x: 50, y: 50, width: 100, height: 100), convention: .faceForensics())
        #expect(r.side == 130)
        #expect(r.x == 35)
        #expect(r.y == 35)
    }

    @Test(arguments: [
        // box at the top-left corner, at the bottom-right corner, and larger than the frame
        (FaceBox(x: -10, y: -10, width: 30, height: 30), 0, 0),
        (FaceBox(x: 30, y: 20, width: 30, height: 30), 39, 29),
        (FaceBox(x: -50, y: -50, width: 200, height: 200), 0, 0),
    ])
    func cropsPastTheBorderRepeatEdgePixels(box: FaceBox, cornerX: Int, cornerY: Int) {
        let frame = gradient(40, 30)
        let crop = FaceCrop.crop(frame, box: box, convention: .faceForensics(margin: 1), size: 16)
        #expect(crop.width == 16 && crop.height == 16)
        // Every pixel of the crop is a frame pixel (edge replication, no black padding).
        for y in 0..<16 {
            for x in 0..<16 {
                let p = crop[x, y]
                #expect(p.r <= 39)
                #expect(p.g <= 29)
                #expect(p.b == 7)
            }
        }
        let r = FaceCrop.region(for: box, convention: .faceForensics(margin: 1))
        let inside = r.x >= 0 && r.y >= 0 && r.x + r.side <= 40 && r.y + r.side <= 30
        #expect(!inside, "these boxes leave the frame")
        let corner = box.x < 0 ? crop[0, 0] : crop[15, 15]
        #expect(Int(corner.r) == cornerX)
        #expect(Int(corner.g) == cornerY)
    }

    @Test func enlargingIsBilinearAndShrinkingAverages() {
        let frame = gradient(40, 30)
        let small = FaceCrop.crop(frame, box: FaceBox(x: 0, y: 0, width: 16, height: 16), convention: .faceForensics(margin: 1), size: 8)
        // Area averaging of pairs: columns 0+1 → 0.5 rounds to 0 or 1; column pair (14, 15) → 14.5.
        #expect(abs(Int(small[7, 0].r) - 14) <= 1)
        let big = FaceCrop.crop(frame, box: FaceBox(x: 10, y: 10, width: 4, height: 4), convention: .faceForensics(margin: 1), size: 8)
        // Bilinear: values rise monotonically across the row, staying within the source range.
        let row = (0..<8).map { Int(big[$0, 0].r) }
        #expect(row == row.sorted())
        #expect(row[0] >= 10)
        #expect(row[7] <= 13)
    }
}
