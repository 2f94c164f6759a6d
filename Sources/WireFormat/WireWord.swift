/// A closed set of words the API reads and writes (a dtype, an encoding, a loss name): each word
/// is spelled in one place, its type's `wireName`, and read back only through `init(wireName:)`.
public protocol WireWord: CaseIterable, Sendable, Equatable {
    /// How the word is written on the wire.
    var wireName: String { get }
}

extension WireWord {
    /// The case spelled `wireName`, or nil for a word this type does not know.
    public init?(wireName: String) {
        guard let match = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = match
    }

    /// Every spelling, in declaration order (for error messages that list the choices).
    public static var wireNames: [String] { allCases.map(\.wireName) }
}

extension WireWord where Self: RawRepresentable, RawValue == String {
    public var wireName: String { rawValue }
}
