import Testing
@testable import Faces

@Test func faceBoxRoundTripsThroughJSON() throws {
    let box = FaceBox(x: 1, y: 2, width: 3, height: 4)
    #expect(box.width == 3)
}
