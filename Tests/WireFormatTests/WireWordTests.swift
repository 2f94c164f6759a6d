import Backprop
import Testing
import WireFormat

@Suite("Wire words")
struct WireWordTests {
    @Test("dtypes and encodings read back from their spelling, and nothing else does")
    func roundTrip() {
        for dtype in DType.allCases { #expect(DType(wireName: dtype.wireName) == dtype) }
        for encoding in TensorEncoding.allCases { #expect(TensorEncoding(wireName: encoding.wireName) == encoding) }
        #expect(DType(wireName: "float16") == nil)
        #expect(DType(wireName: "Float32") == nil, "spellings are exact")
        #expect(TensorEncoding.wireNames == ["nested", "flat", "base64", "binary"])
    }

    @Test("each scalar type knows its dtype and width")
    func scalars() {
        #expect(Float.dtype == .float32)
        #expect(Double.dtype == .float64)
        #expect(DType.float32.byteWidth == MemoryLayout<Float>.size)
        #expect(DType.float64.byteWidth == MemoryLayout<Double>.size)
    }
}
