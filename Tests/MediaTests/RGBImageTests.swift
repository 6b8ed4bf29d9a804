import Testing
@testable import Media

@Test func filledImageHasTheColourEverywhere() {
    let image = RGBImage(width: 3, height: 2, fill: (10, 20, 30))
    #expect(image.pixels.count == 18)
    #expect(image[2, 1] == (10, 20, 30))
}
