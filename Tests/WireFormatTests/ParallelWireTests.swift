import Backprop
import TestSupport
import Testing
import WireFormat

/// Large nested tensors are read and written in pieces on several threads: the result must be the
/// same as on one thread, byte for byte and bit for bit, and so must every error.
@Suite("Parallel reading and writing of large nested tensors")
struct ParallelWireTests {
    /// A `rows` × `columns` matrix of random doubles as nested JSON text (over 1 MiB at the sizes used).
    static func matrixText(rows: Int, columns: Int, seed: UInt64 = 5) -> (text: [UInt8], values: [Double]) {
        var g = SeededGenerator(seed: seed)
        let values = (0..<(rows * columns)).map { _ in Double.random(in: -3...3, using: &g) }
        var w = JSONWriter()
        values.withUnsafeBufferPointer { p in
            w.tensor(Matrix(rows: rows, columns: columns, storage: Array(p)), .nested)
        }
        return (w.bytes, values)
    }

    func parse(_ text: [UInt8], parallelism: Int) -> Result<JSONValue, WireError> {
        text.withUnsafeBytes { bytes in
            do throws(WireError) {
                return .success(try JSONParser.parse(bytes, parallelism: parallelism))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Every number of a parsed document, in order, as bit patterns (so -0 and 0 differ).
    func bits(_ value: JSONValue) -> [UInt64] {
        switch value {
        case .number(let x): [x.bitPattern]
        case .numbers(let xs): xs.map(\.bitPattern)
        case .array(let items): items.flatMap(bits)
        case .object(let members): members.flatMap { bits($0.value) }
        default: []
        }
    }

    @Test("a 2 MB matrix reads the same on 1, 2 and 3 threads, and as the numbers written")
    func sameValues() throws {
        let (text, values) = Self.matrixText(rows: 301, columns: 347)
        #expect(text.count > JSONParser.parallelThreshold)
        let serial = try parse(text, parallelism: 1).get()
        // Compared as one Bool: a failing == on large arrays makes the test library diff them, slowly.
        let exact = bits(serial) == values.map(\.bitPattern)
        #expect(exact)
        for threads in [2, 3] {
            let parallel = try parse(text, parallelism: threads).get()
            #expect(parallel == serial)
            let same = bits(parallel) == bits(serial)
            #expect(same)
        }
    }

    @Test("a large tensor inside a request, beside strings and mixed rows, reads the same")
    func insideADocument() throws {
        let (matrix, _) = Self.matrixText(rows: 200, columns: 400, seed: 9)
        let body =
            Array(#"{"network": {"layers": [{"weights": "#.utf8) + matrix
            + Array(#", "activation": "relu"}]}, "mixed": [1, [2, 3], "s[", [4], -0.0, "#.utf8) + matrix
            + Array(#"], "tail": [[0.5]]}"#.utf8)
        #expect(try parse(body, parallelism: 2).get() == parse(body, parallelism: 1).get())
        let same = try bits(parse(body, parallelism: 2).get()) == bits(parse(body, parallelism: 1).get())
        #expect(same)
    }

    /// Faults planted at the start, middle and end of a large array: the parallel reader must report
    /// the very error (offset and reason) the serial one does.
    @Test(arguments: [
        ("a bad number in the middle", "mid", "1.2.3"),
        ("a letter in the middle", "mid", "x"),
        ("NaN in the middle", "mid", "NaN"),
        ("a missing comma between rows", "rowgap", " "),
        ("a trailing comma", "end", ","),
        ("an unclosed array", "truncate", ""),
        ("an extra bracket", "mid", "]"),
        ("an unclosed object in a row", "mid", "{"),
        ("a bad byte in the first row", "start", "+"),
    ])
    func sameErrors(name: String, place: String, inserted: String) throws {
        var (text, _) = Self.matrixText(rows: 300, columns: 300, seed: 11)
        let insert = Array(inserted.utf8)
        switch place {
        case "start": text.insert(contentsOf: insert + [UInt8(ascii: ",")], at: 2)
        case "mid":
            // Replace one number in a middle row.
            let comma = text[(text.count / 2)...].firstIndex(of: UInt8(ascii: ","))!
            text.insert(contentsOf: insert, at: comma)
        case "rowgap":
            let gap = text[(text.count / 2)...].firstIndex(of: UInt8(ascii: "]"))! + 1
            text[gap] = insert[0]  // the comma after a row becomes a space
        case "end": text.insert(contentsOf: insert, at: text.count - 1)
        default: text.removeLast()
        }
        let serial = parse(text, parallelism: 1)
        let parallel = parse(text, parallelism: 2)
        guard case .failure(let expected) = serial else {
            Issue.record("\(name): the serial reader accepted it")
            return
        }
        guard case .failure(let got) = parallel else {
            Issue.record("\(name): the parallel reader accepted it")
            return
        }
        #expect("\(got)" == "\(expected)", "\(name)")
    }

    @Test("a large matrix is written the same on 1, 2 and 3 threads, float64 and float32")
    func sameBytes() {
        var g = SeededGenerator(seed: 3)
        for (rows, columns) in [(257, 311), (2, 40_000), (1000, 70)] {
            let values = (0..<(rows * columns)).map { _ in Double.random(in: -1e3...1e3, using: &g) }
            let double = Matrix(rows: rows, columns: columns, storage: values)
            let float = Matrix(rows: rows, columns: columns, storage: values.map { Float($0) })
            func written(_ threads: Int) -> ([UInt8], [UInt8]) {
                var w = JSONWriter()
                w.parallelism = threads
                w.beginObject()
                w.key("a")
                w.tensor(double, .nested)
                w.key("b")
                w.tensor(float, .nested)
                w.endObject()
                var v = JSONWriter()
                v.parallelism = threads
                v.tensor(double, .nested)
                return (w.bytes, v.bytes)
            }
            let serial = written(1)
            #expect(serial.1.count > 1 << 20)
            for threads in [2, 3] {
                let parallel = written(threads)
                let same = (parallel.0 == serial.0, parallel.1 == serial.1)
                #expect(same.0, "\(rows)×\(columns) on \(threads) threads")
                #expect(same.1, "\(rows)×\(columns) on \(threads) threads")
            }
        }
    }
}
