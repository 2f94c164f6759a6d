import Testing
import WireFormat

@Suite("JSON parser")
struct JSONParserTests {

    @Test("the reason names the usual mistakes: trailing commas, NaN and Infinity, a byte order mark")
    func reasons() {
        func reason(_ text: String) -> String? {
            do {
                _ = try JSONParser.parse(text)
                return nil
            } catch {
                if case .malformed(_, let reason) = error { return reason }
                return nil
            }
        }
        #expect(reason("[1, 2,]") == "trailing comma before ']'")
        #expect(reason("[[1], [2],\n]") == "trailing comma before ']'")
        #expect(reason(#"{"a": 1,}"#) == "trailing comma before '}'")
        for text in ["[NaN]", "[Infinity]", "[1, -Infinity]", #"{"a": NaN}"#] {
            #expect(reason(text)?.hasPrefix("NaN and Infinity are not JSON numbers") == true, "\(text)")
        }
        #expect(reason("\u{FEFF}{}")?.contains("byte order mark") == true)
    }

    @Test("numbers too large for float64 are kept as infinities, for the decoder to refuse with a pointer")
    func hugeNumbersParse() throws {
        #expect(try JSONParser.parse("[1e400, -1e999]") == .numbers([.infinity, -.infinity]))
    }

    @Test("a byte offset becomes a 1-based line and column")
    func location() {
        let text = Array("{\n  \"a\": [1,]\n}".utf8)
        text.withUnsafeBytes { bytes in
            #expect(JSONParser.location(of: 0, in: bytes) == (1, 1))
            #expect(JSONParser.location(of: 2, in: bytes) == (2, 1))
            #expect(JSONParser.location(of: 12, in: bytes) == (2, 11))
            #expect(JSONParser.location(of: 14, in: bytes) == (3, 1))
        }
    }
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(
            #" {"a": [1, 2.5, -3e2], "b": {"c": null, "d": true, "e": false}, "s": "x\"\u00e9\ud83d\ude00\n", "m": [[1], "two"]} "#
        )
        #expect(v["a"] == .numbers([1, 2.5, -300]))
        #expect(v["b"]?["c"] == .null)
        #expect(v["b"]?["d"] == .bool(true))
        #expect(v["s"] == .string("x\"é😀\n"))
        #expect(v["m"] == .array([.numbers([1]), .string("two")]))
    }

    @Test("an array that starts with numbers and goes on with others keeps every element")
    func mixedArray() throws {
        #expect(
            try JSONParser.parse("[1, 2, \"x\", [3]]") == .array([.number(1), .number(2), .string("x"), .numbers([3])])
        )
        #expect(try JSONParser.parse("[17,[]]") == .array([.number(17), .array([])]))
    }

    @Test(arguments: [
        ("", 0), ("{", 1), ("[1,]", 3), ("[1 2]", 3), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("tru", 0), ("\"abc", 4),
        ("[1]x", 3), ("{\"a\":1,\"a\":2}", 12), ("\"\\x\"", 3), ("[\"\u{01}\"]", 2), ("[NaN]", 1),
        ("[-Infinity]", 2), ("\u{FEFF}[1]", 0),
    ])
    func malformedInputReportsTheOffset(text: String, offset: Int) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            guard case WireError.malformed(let at, _) = error else { return false }
            return at == offset
        }
    }

    /// Long strings are scanned eight bytes at a time: a quote, an escape, a control character or a
    /// non-ASCII byte at any offset of a 40-byte string must still be seen.
    @Test func longStringsAreScannedExactly() throws {
        let plain = String(repeating: "abcdefgh", count: 5)
        for i in 0..<40 {
            var chars = Array(plain)
            chars[i] = "\""
            let escaped = String(chars[..<i]) + "\\\"" + String(chars[(i + 1)...])
            #expect(try JSONParser.parse(Array("\"\(escaped)\"".utf8)) == .string(String(chars)), "quote at \(i)")
            chars[i] = "é"
            #expect(try JSONParser.parse(Array("\"\(String(chars))\"".utf8)) == .string(String(chars)), "é at \(i)")
            var bytes = Array("\"\(plain)\"".utf8)
            bytes[i + 1] = 0x0A
            #expect(throws: WireError.self, "raw newline at \(i)") { try JSONParser.parse(bytes) }
        }
        #expect(try JSONParser.parse(Array("\"\(plain)\"".utf8)) == .string(plain))
    }

    /// Only long, plain-ASCII, escape-free string values are borrowed; the borrowed bytes are the
    /// string's, and a broken long string fails exactly as it does when copied.
    @Test func longStringsAreBorrowedOnlyWhenPlain() throws {
        let long = String(repeating: "AbC+/09=", count: 200)  // 1600 bytes
        let cases: [(String, Bool)] = [
            (#"{"k": "\#(long)"}"#, true),
            (#"{"k": "\#(long.prefix(JSONParser.borrowedStringLength))"}"#, true),
            (#"{"k": "\#(long.prefix(JSONParser.borrowedStringLength - 1))"}"#, false),
            (#"{"k": "\#(long)\n"}"#, false),
            (#"{"k": "é\#(long)"}"#, false),
            (#"{"\#(long)": 1}"#, false),
        ]
        for (json, borrowed) in cases {
            let bytes = Array(json.utf8)
            try bytes.withUnsafeBytes { raw in
                let copied = try JSONParser.parse(raw)
                let value = try JSONParser.parse(raw, borrowingLongStrings: true)
                #expect(value == copied)
                if case .borrowedString(let text)? = value["k"] {
                    #expect(borrowed)
                    #expect(text.bytes.baseAddress! >= raw.baseAddress! && text.bytes.count >= 1024)
                    #expect(value["k"]?.stringValue == copied["k"]?.stringValue)
                } else {
                    #expect(!borrowed, "\(json.prefix(20))")
                }
            }
        }
        for broken in [#"["\#(long)\#u{01}"]"#, #"["\#(long)"#, #"["\#(long)\x"]"#, "[\"\(long)\u{FF}\" 1]"] {
            let bytes = Array(broken.utf8)
            let errors = [false, true].map { borrowing in
                bytes.withUnsafeBytes { raw in
                    Result { () throws(WireError) in try JSONParser.parse(raw, borrowingLongStrings: borrowing) }
                }
            }
            guard case .failure(let a) = errors[0], case .failure(let b) = errors[1] else {
                Issue.record("expected both to fail: \(broken.suffix(8))")
                continue
            }
            #expect(a == b)
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: WireError.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        #expect(throws: WireError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }
}

@Suite("JSON parser: nested matrices as one buffer (numberRows)")
struct NumberRowsTests {
    func parse(_ text: String, numberRows: Bool) throws(WireError) -> JSONValue {
        var bytes = Array(text.utf8)
        do {
            return try bytes.withUnsafeMutableBytes { buffer in
                try JSONParser.parse(UnsafeRawBufferPointer(buffer), numberRows: numberRows)
            }
        } catch let error as WireError {
            throw error
        } catch {
            fatalError("\(error)")
        }
    }

    @Test("an array of equal rows of numbers is one .rows, equal to the rows read one by one")
    func rectangular() throws {
        let text = "{\"w\": [ [1, 2.5 ,-3] ,\n[4e1,5,6] ], \"b\": [[7]]}"
        let flat = try parse(text, numberRows: true)
        guard case .rows(let w)? = flat["w"], case .rows(let b)? = flat["b"] else {
            Issue.record("expected .rows, got \(flat)")
            return
        }
        #expect(w.values == [1, 2.5, -3, 40, 5, 6] && w.columns == 3 && w.count == 2)
        #expect(b.values == [7] && b.columns == 1)
        let general = try parse(text, numberRows: false)
        #expect(flat == general)
        #expect(general["w"]?.arrayElements == [.numbers([1, 2.5, -3]), .numbers([40, 5, 6])])
        #expect(flat["w"]?.arrayElements == general["w"]?.arrayElements)
        #expect(flat["w"]?.typeName == "array")
    }

    @Test("anything but equal rows of numbers is read as before: the same value, or the same fault at the same byte")
    func fallsBack() throws {
        let texts = [
            "[[1, 2], [3]]", "[[1], [2, 3]]", "[[1, 2], []]", "[[], [1]]", "[[1, \"2\"]]", "[[1, 2], [null, 4]]",
            "[[[1, 2]], [[3, 4]]]", "[[1, 2], 3]", "[[1, 2], {}]", "[[1, 2,], [3, 4]]", "[[1, 2], [3, 4],]",
            "[[1, 2], [3, 4]", "[[1, 2] [3, 4]]", "[[1, 2], [3, 4.]]", "[[1, 2], [NaN, 4]]", "[[1, 2], [3, 4",
            "[[1 2]]", "[[-]]", "[[1, 2], [3, 1e400]]", "[ [ 1 ] , [ 2 ] ]",
        ]
        for text in texts {
            let general = Result { () throws(WireError) in try parse(text, numberRows: false) }
            let flat = Result { () throws(WireError) in try parse(text, numberRows: true) }
            switch (general, flat) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(text)")
            default: Issue.record("\(text): \(general) against \(flat)")
            }
        }
        // Past maxRowsNumbers a matrix is read the general way (the same value).
        let big =
            "["
            + Array(repeating: "[" + Array(repeating: "0.5", count: 256).joined(separator: ",") + "]", count: 300)
            .joined(separator: ",") + "]"
        let bigValue = try parse(big, numberRows: true)
        if case .rows = bigValue { Issue.record("a matrix past maxRowsNumbers became .rows") }
        #expect(bigValue == (try parse(big, numberRows: false)))
        #expect(bigValue.arrayElements?.count == 300)
        // A ragged matrix is the general form, not .rows.
        if case .rows = try parse("[[1, 2], [3]]", numberRows: true) { Issue.record("ragged rows became .rows") }
        if case .rows = try parse("[[1, 2], [3, 1e400]]", numberRows: true) {
        } else {
            Issue.record("an infinite literal is still a number of the matrix")
        }
    }
}
