/// Small helpers that keep error sentences right for whatever values they quote.
public enum Wording {
    /// `n` and the noun, plural when `n` is not 1: "1 unit", "3 units", "2 entries".
    public static func count(_ n: Int, _ noun: String) -> String {
        if n == 1 { return "1 \(noun)" }
        if noun.hasSuffix("y") && !noun.hasSuffix("ay") { return "\(n) \(noun.dropLast())ies" }
        return "\(n) \(noun)s"
    }

    /// A number as it would be written in JSON by hand: integers without ".0".
    public static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// What a JSON value was, for "…, got X": a string quoted, anything else by its type.
    public static func got(_ value: JSONValue) -> String {
        if let s = value.stringValue { return "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\"" }
        if case .number(let x) = value { return number(x) }
        return value.typeName
    }

    /// Member names as an error message lists them: sorted, joined with ", ".
    public static func names(_ members: Set<String>) -> String { members.sorted().joined(separator: ", ") }

    /// The choices, in their order, quoted and joined: `"a", "b" or "c"`.
    public static func oneOf(_ choices: [String]) -> String {
        let quoted = choices.map { "\"\($0)\"" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    }
}
