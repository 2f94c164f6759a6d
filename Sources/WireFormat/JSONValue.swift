/// A parsed JSON document. Arrays made only of numbers are kept as `.numbers` (one contiguous
/// `[Double]`), so a matrix row costs one allocation, not one enum box per element; with
/// `numberRows`, a whole nested matrix is one `.rows`.
///
/// Not `indirect`: every payload is a reference or a small value already, so a value lives
/// inline in its parent's array; boxing each one cost an allocation per member and element.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    /// A long plain-ASCII string left where it is in the parsed bytes (a base64 tensor, decoded
    /// straight from the request body): only from `JSONParser.parse(_:borrowingLongStrings: true)`,
    /// and valid only while those bytes are. `stringValue` reads either kind of string.
    case borrowedString(BorrowedText)
    case array([JSONValue])
    /// A non-empty array whose elements are all numbers.
    case numbers([Double])
    /// A non-empty array of non-empty, equal-length arrays of numbers (a nested matrix), read
    /// into one flat buffer: only from `JSONParser.parse(_:borrowingLongStrings:numberRows:parallelism:)` with `numberRows`. It means the same
    /// as `.array` of `.numbers` rows (`arrayElements` gives them) and compares equal to it.
    case rows(NumberRows)
    /// Members in document order.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string, .string), (.string, .borrowedString), (.borrowedString, .string),
            (.borrowedString, .borrowedString):
            lhs.stringValue == rhs.stringValue
        case (.array(let a), .array(let b)): a == b
        case (.numbers(let a), .numbers(let b)): a == b
        case (.rows(let a), .rows(let b)): a.columns == b.columns && a.values == b.values
        case (.rows, .array), (.array, .rows): lhs.arrayElements! == rhs.arrayElements!
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The member named `key`, if this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string, .borrowedString: "string"
        case .array, .numbers, .rows: "array"
        case .object: "object"
        }
    }

    /// The text if this is a string of either kind (a borrowed one is copied into a `String`).
    public var stringValue: String? {
        switch self {
        case .string(let s): s
        case .borrowedString(let text): String(decoding: text.bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The elements if this is an array, numbers boxed one by one.
    public var arrayElements: [JSONValue]? {
        switch self {
        case .array(let items): items
        case .numbers(let values): values.map(JSONValue.number)
        case .rows(let rows): (0..<rows.count).map { .numbers(Array(rows.values[rows.range($0)])) }
        default: nil
        }
    }
}

/// A nested matrix's numbers, row after row, and its row length.
public struct NumberRows: Sendable {
    /// Every number, row-major: `count * columns` of them.
    public let values: [Double]
    /// Numbers in each row (at least one).
    public let columns: Int
    /// Rows (at least one).
    public var count: Int { values.count / columns }
    /// Where row `i` lies in `values`.
    public func range(_ i: Int) -> Range<Int> { (i * columns)..<((i + 1) * columns) }
}

/// The bytes of a `.borrowedString`: plain ASCII, no quotes or escapes, inside the parsed input.
public struct BorrowedText: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
}
