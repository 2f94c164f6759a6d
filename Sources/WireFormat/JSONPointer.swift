/// An RFC 6901 JSON Pointer, built as the decoder walks down a document.
///
/// The decoder extends a pointer at every member and element it visits but needs its text only
/// when something is wrong, so a pointer is a chain of nodes (one allocation per step, shared by
/// every pointer below it) and its text is built on demand. Building `[String]` token arrays
/// eagerly cost a third of a small binary request's decode time.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    private final class Node: Sendable {
        let parent: Node?
        let token: Token
        let depth: Int

        init(parent: Node?, token: Token) {
            self.parent = parent
            self.token = token
            self.depth = (parent?.depth ?? 0) + 1
        }
    }

    private let last: Node?

    private init(last: Node?) { self.last = last }

    public static let root = JSONPointer(last: nil)

    public func appending(_ key: String) -> JSONPointer { JSONPointer(last: Node(parent: last, token: .key(key))) }
    public func appending(_ index: Int) -> JSONPointer { JSONPointer(last: Node(parent: last, token: .index(index))) }
    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer { lhs.appending(rhs) }
    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer { lhs.appending(rhs) }

    /// The reference tokens from the root down (an index as its decimal text).
    public var tokens: [String] {
        var out: [String] = []
        var node = last
        while let n = node {
            switch n.token {
            case .key(let k): out.append(k)
            case .index(let i): out.append(String(i))
            }
            node = n.parent
        }
        return out.reversed()
    }

    /// Equal when the token sequences are equal. A key and an array index never compare equal
    /// (one document cannot have both at the same place).
    public static func == (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        var a = lhs.last
        var b = rhs.last
        while true {
            switch (a, b) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x === y { return true }
                guard x.depth == y.depth, x.token == y.token else { return false }
                a = x.parent
                b = y.parent
            default: return false
            }
        }
    }

    /// Hashes the depth and the last three tokens: enough to tell a document's tensors apart
    /// (`/network/layers/3/weights`), without walking to the root on every lookup.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(last?.depth ?? 0)
        var node = last
        var n = 0
        while let current = node, n < 3 {
            hasher.combine(current.token)
            node = current.parent
            n += 1
        }
    }

    /// `""` for the root, else `/a/b/0` with `~` written `~0` and `/` written `~1`.
    public var description: String {
        var bytes: [UInt8] = []
        for token in tokens {
            bytes.append(UInt8(ascii: "/"))
            for c in token.utf8 {
                switch c {
                case UInt8(ascii: "~"): bytes.append(contentsOf: [UInt8(ascii: "~"), UInt8(ascii: "0")])
                case UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "~"), UInt8(ascii: "1")])
                default: bytes.append(c)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
