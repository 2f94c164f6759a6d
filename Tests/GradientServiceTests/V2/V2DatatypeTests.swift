import Testing
import WireFormat

@testable import GradientService

/// The protocol's datatypes this server reads and writes, by their names on the wire.
@Suite("V2Datatype")
struct V2DatatypeTests {
    @Test("the datatypes' names, widths and dtypes")
    func datatypes() {
        #expect(V2Datatype.wireNames == ["FP32", "FP64", "INT32", "INT64", "BOOL"])
        #expect(V2Datatype.allCases.map(\.byteWidth) == [4, 8, 4, 8, 1])
        #expect(V2Datatype.allCases.map(\.dtype) == [.float32, .float64, nil, nil, nil])
        #expect(V2Datatype(.float32) == .fp32)
    }
}
