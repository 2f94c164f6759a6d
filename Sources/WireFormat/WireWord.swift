/// A closed set of words the API reads and writes (a dtype, an encoding, a loss name): each word
/// is spelled in one place, its type's `wireName`, and read back only through `init(wireName:)`.
public protocol WireWord: CaseIterable, Sendable, Equatable {
    /// How the word is written on the wire.
    var wireName: String { get }
}

extension WireWord {
    /// The case spelled `wireName`, or nil for a word this type does not know. Inlinable, so each
    /// caller gets a loop over its concrete type (a generic one took metadata look-ups and
    /// witness calls per word, a visible share of a tiny request).
    @inlinable
    public init?(wireName: String) {
        for candidate in Self.allCases where candidate.wireName == wireName {
            self = candidate
            return
        }
        return nil
    }

    /// Every spelling, in declaration order (for error messages that list the choices).
    @inlinable
    public static var wireNames: [String] { allCases.map(\.wireName) }
}

extension WireWord where Self: RawRepresentable, RawValue == String {
    @inlinable
    public var wireName: String { rawValue }

    /// For words spelled by their raw value: the compiler's string switch, not a loop.
    @inlinable
    public init?(wireName: String) { self.init(rawValue: wireName) }
}
