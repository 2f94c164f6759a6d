import Testing

@testable import WireFormat

/// The binary section of a body: each `binaryDataSize` tensor gets the next bytes, in the order the
/// tensors appear in the JSON document, found again by its JSON Pointer; the sizes must add up.
@Suite("Binary section: offsets by document order")
struct BinarySectionTests {
    /// Indexes `json` over `count` bytes; the ranges at `pointers`, or the fault.
    func index(_ json: String, bytes count: Int, at pointers: [JSONPointer] = []) throws -> [Range<Int>?] {
        let root = try JSONParser.parse(json)
        let bytes = [UInt8](repeating: 0, count: count)
        return try bytes.withUnsafeBytes { raw in
            let section = try BinarySection(root: root, bytes: raw)
            #expect(section.bytes.count == count)
            return pointers.map { section.range(at: $0) }
        }
    }

    func fault(_ json: String, bytes count: Int) -> WireError? {
        do {
            _ = try index(json, bytes: count)
            return nil
        } catch {
            return error as? WireError
        }
    }

    @Test("offsets follow the document's order, not the names' order")
    func documentOrder() throws {
        // "z" comes first in the document, so its bytes come first.
        let json = """
            {"z": {"shape": [2], "dtype": "float32", "binaryDataSize": 8},
             "a": {"shape": [1], "dtype": "float64", "binaryDataSize": 8},
             "m": [{"shape": [3], "dtype": "float32", "binaryDataSize": 12}, {"shape": [1], "dtype": "float32", "binaryDataSize": 4}]}
            """
        let ranges = try index(json, bytes: 32, at: [.root / "z", .root / "a", .root / "m" / 0, .root / "m" / 1])
        #expect(ranges == [0..<8, 8..<16, 16..<28, 28..<32])
    }

    @Test("tensors deep in the document are found by their full pointer, and only there")
    func nestedPointers() throws {
        let json = """
            {"network": {"layers": [
                {"weights": {"shape": [1, 2], "dtype": "float64", "binaryDataSize": 16}, "activation": "relu"},
                {"weights": [[1, 2]], "biases": {"shape": [1], "dtype": "float64", "binaryDataSize": 8}}]},
             "batch": {"inputs": [[[{"shape": [1], "dtype": "float32", "binaryDataSize": 4}]]]}}
            """
        let layers = JSONPointer.root / "network" / "layers"
        let ranges = try index(
            json,
            bytes: 28,
            at: [
                layers / 0 / "weights", layers / 1 / "biases", .root / "batch" / "inputs" / 0 / 0 / 0,
                layers / 1 / "weights", layers / 0, .root / "weights", .root / "batch" / "inputs" / 0,
            ]
        )
        #expect(ranges == [0..<16, 16..<24, 24..<28, nil, nil, nil, nil])
    }

    @Test("a tensor object's own members are not searched for more tensors")
    func tensorsAreLeaves() throws {
        let json = """
            {"t": {"shape": [1], "dtype": "float32", "binaryDataSize": 4, "data": {"binaryDataSize": 99}}}
            """
        #expect(try index(json, bytes: 4, at: [.root / "t", .root / "t" / "data"]) == [0..<4, nil])
    }

    @Test("zero-byte tensors take no bytes, and no tensors need no bytes")
    func emptySizes() throws {
        let json = #"{"a": {"binaryDataSize": 0}, "b": {"binaryDataSize": 4}}"#
        #expect(try index(json, bytes: 4, at: [.root / "a", .root / "b"]) == [0..<0, 0..<4])
        #expect(try index(#"{"x": [1, 2]}"#, bytes: 0, at: [.root / "x"]) == [nil])
    }

    @Test("the sizes must add up to the bytes after the JSON part", arguments: [0, 11, 13, 100])
    func sizesMustAddUp(count: Int) {
        let json = #"{"a": {"binaryDataSize": 8}, "b": [{"binaryDataSize": 4}]}"#
        #expect(
            fault(json, bytes: count)
                == .badBody(
                    "the binary tensors declare 12 bytes (sum of binaryDataSize) but \(count) follow the JSON part"
                )
        )
    }

    @Test("bytes with no tensor to hold them are refused")
    func bytesWithoutTensors() {
        #expect(
            fault(#"{"a": [[1]]}"#, bytes: 3)
                == .badBody("the binary tensors declare 0 bytes (sum of binaryDataSize) but 3 follow the JSON part")
        )
    }

    @Test(
        "binaryDataSize must be a non-negative integer, named by its pointer",
        arguments: ["-1", "1.5", "\"8\"", "null", "true", "[8]", "{}", "9e15", "1e300"]
    )
    func badSizes(size: String) {
        let json = #"{"ok": {"binaryDataSize": 4}, "layers": [{"w": {"binaryDataSize": \#(size)}}]}"#
        let at: JSONPointer = JSONPointer.root / "layers" / 0 / "w" / "binaryDataSize"
        let expected = WireError.invalid(pointer: at, detail: "binaryDataSize must be a non-negative integer")
        #expect(fault(json, bytes: 4) == expected)
    }

}
