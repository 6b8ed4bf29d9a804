import Testing
import TestSupport

@Test func allcloseUsesAbsoluteAndRelativeTerms() {
    #expect(isClose(1.0, 1.00005, atol: 1e-5, rtol: 1e-4))
    #expect(!isClose(1.0, 1.01, atol: 1e-5, rtol: 1e-4))
}
