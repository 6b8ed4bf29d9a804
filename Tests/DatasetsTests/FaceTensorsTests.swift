import Datasets
import NN
import Testing

/// Tensor values become pixels without trapping: clamped to 0...255, NaN to 0.
struct FaceTensorsTests {
    @Test func outOfRangeAndNonFiniteValuesAreClamped() {
        let values: [Float] = [-1, 0, 1, -7, 7, .nan, .infinity, -.infinity, .greatestFiniteMagnitude]
        let tensor = Tensor(shape: [1, 1, 1, values.count], data: values)
        let image = FaceTensors.image(tensor)
        let reds = (0..<values.count).map { image.pixels[$0 * 3] }
        #expect(reds == [0, 128, 255, 0, 255, 0, 255, 0, 255])
    }
}
