import Testing
import WireFormat

@Suite("JSON writer")
struct JSONWriterTests {
    @Test func writesNestedStructuresWithCommas() {
        var w = JSONWriter()
        w.beginObject()
        w.key("a")
        w.integer(1)
        w.key("b")
        w.beginArray()
        w.number(0.1)
        w.number(-2.5e-8)
        w.beginObject()
        w.endObject()
        w.endArray()
        w.key("s\"")
        w.string("line\nbreak\u{01}")
        w.key("n")
        w.number(Double.nan)
        w.endObject()
        #expect(
            String(decoding: w.bytes, as: UTF8.self)
                == #"{"a":1,"b":[0.1,-2.5e-08,{}],"s\"":"line\nbreak\u0001","n":null}"#
        )
    }

    @Test("written doubles parse back bit-identical")
    func doublesRoundTrip() throws {
        let values: [Double] = [
            0.1, 1 / 3, .leastNonzeroMagnitude, 1.7976931348623157e308, -0.0, 123456789.123456789, 1e-7, 2.5e21,
        ]
        var w = JSONWriter()
        values.withUnsafeBufferPointer { w.numbers($0) }
        guard case .numbers(let back) = try JSONParser.parse(w.bytes) else {
            Issue.record("not a number array")
            return
        }
        #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func floatsUseTheirOwnShortestForm() {
        var w = JSONWriter()
        w.number(Float(0.1))
        #expect(String(decoding: w.bytes, as: UTF8.self) == "0.1")
    }
}
