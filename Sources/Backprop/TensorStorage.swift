/// The elements of a `Matrix`, row-major and contiguous, with an array's value semantics.
///
/// Unlike an array, the elements need not be memory of their own: they can be a view of memory
/// another object keeps alive, such as a request body holding binary tensors (used in place, not
/// copied), an array adopted without a copy, or a range of another storage. Views are read-only
/// in effect: the first write to a view, or to elements another storage shares, copies them first
/// (copy on write, as `Array` does).
public struct TensorStorage<Scalar: BLASScalar>: @unchecked Sendable {
    // @unchecked: a block is only written through while uniquely referenced and writable, so a
    // block seen by more than one thread is never written.
    @usableFromInline var block: TensorBlock

    @inlinable init(block: TensorBlock) { self.block = block }

    /// The first element (the block's memory holds `Scalar`s).
    @inlinable var base: UnsafeMutablePointer<Scalar> { block.base.assumingMemoryBound(to: Scalar.self) }

    /// No elements.
    public init() { self.init(block: TensorBlock.empty) }

    /// `count` elements, written by `initializer` (which must set `initializedCount` to `count`),
    /// like `Array(unsafeUninitializedCapacity:initializingWith:)`.
    @inlinable
    public init(
        unsafeUninitializedCapacity count: Int,
        initializingWith initializer: (inout UnsafeMutableBufferPointer<Scalar>, inout Int) throws -> Void
    ) rethrows {
        let block = TensorBlock.allocate(count: count, of: Scalar.self)
        var buffer = UnsafeMutableBufferPointer(start: block.base.assumingMemoryBound(to: Scalar.self), count: count)
        var initialized = 0
        try initializer(&buffer, &initialized)
        precondition(initialized == count, "every element must be initialized")
        self.init(block: block)
    }

    /// `count` copies of `value`.
    public init(repeating value: Scalar, count: Int) {
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: value)
            initialized = count
        }
    }

    /// The elements of `array`, without copying them: the storage holds the array.
    public init(_ array: [Scalar]) {
        self.init(block: array.isEmpty ? TensorBlock.empty : TensorBlock.adopting(array))
    }

    /// A view of `count` elements at `base`, which `owner` keeps valid and unchanged for as long
    /// as it is held.
    public init(borrowing base: UnsafePointer<Scalar>, count: Int, owner: AnyObject) {
        self.init(block: count == 0 ? TensorBlock.empty : TensorBlock.borrowing(base, count: count, owner: owner))
    }

    /// Elements `range` as a view of this storage (no copy).
    public func view(_ range: Range<Int>) -> TensorStorage {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        return TensorStorage(borrowing: base + range.lowerBound, count: range.count, owner: block)
    }

    public var count: Int { block.count }

    /// The elements as an array (a copy).
    public var array: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    /// An object that keeps these elements' memory valid while held (for handing the bytes to
    /// code that outlives this value, such as a response sent from them).
    public var owner: AnyObject { block }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: block.count))
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
    }

    /// Write access, after copying the elements if they are shared or borrowed.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        var buffer = UnsafeMutableBufferPointer(start: base, count: block.count)
        return try body(&buffer)
    }

    @inlinable
    mutating func makeUnique() {
        if !block.isWritable || !isKnownUniquelyReferenced(&block) { block = block.copy(as: Scalar.self) }
    }
}

extension TensorStorage: RandomAccessCollection, MutableCollection {
    public typealias Index = Int
    public var startIndex: Int { 0 }
    public var endIndex: Int { block.count }

    @inlinable
    public subscript(position: Int) -> Scalar {
        get {
            precondition(position >= 0 && position < block.count, "index out of range")
            return base[position]
        }
        set {
            precondition(position >= 0 && position < block.count, "index out of range")
            makeUnique()
            base[position] = newValue
        }
    }
}

extension TensorStorage: Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public static func == (lhs: TensorStorage, rhs: TensorStorage) -> Bool {
        lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }

    public static func == (lhs: TensorStorage, rhs: [Scalar]) -> Bool {
        lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }

    public static func == (lhs: [Scalar], rhs: TensorStorage) -> Bool { rhs == lhs }

    public init(arrayLiteral elements: Scalar...) { self.init(elements) }

    public var description: String { array.description }
}

/// What a `TensorBlock` knows of its elements.
public struct TensorBlockHeader {
    @usableFromInline var base: UnsafeMutableRawPointer
    /// Elements, of the scalar type the storage holding the block reads them as.
    @usableFromInline var count: Int
    /// Whether the block owns its elements (it may write them when uniquely referenced).
    @usableFromInline var isWritable: Bool
    /// What keeps borrowed elements alive: the body or block they are in, or an adopted array.
    var owner: Any?
}

/// One run of elements: allocated in the block itself (one allocation, writable), or borrowed
/// from an owner (an adopted array, a request body, another block) that the block keeps alive.
///
/// Not generic: a generic class looked up its type metadata on every allocation (perf put
/// that, with the dynamic linker's symbol lookups, at a tenth of the tiny network's time).
public final class TensorBlock: ManagedBuffer<TensorBlockHeader, UInt8> {
    @inlinable var base: UnsafeMutableRawPointer { header.base }
    @inlinable var count: Int { header.count }
    @inlinable var isWritable: Bool { header.isWritable }

    private static func make(_ header: TensorBlockHeader, bytes: Int) -> TensorBlock {
        unsafeDowncast(create(minimumCapacity: bytes) { _ in header }, to: TensorBlock.self)
    }

    private static var nowhere: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 64)! }

    /// A block with no elements (nothing to write, so never copied on write either).
    static var empty: TensorBlock { make(TensorBlockHeader(base: nowhere, count: 0, isWritable: false), bytes: 0) }

    /// `count` uninitialized elements of `Scalar` in the block's own memory.
    @usableFromInline
    static func allocate<Scalar: BLASScalar>(count: Int, of: Scalar.Type) -> TensorBlock {
        let stride = MemoryLayout<Scalar>.stride
        // One element of slack, so the elements can start on their own alignment after the header.
        let block = make(
            TensorBlockHeader(base: nowhere, count: count, isWritable: true),
            bytes: (count + 1) * stride
        )
        let start = block.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
        // The elements sit after the header in the same allocation and never move.
        block.header.base = start.alignedUp(for: Scalar.self)
        block.header.base.bindMemory(to: Scalar.self, capacity: count)
        return block
    }

    static func adopting<Scalar: BLASScalar>(_ array: [Scalar]) -> TensorBlock {
        // An immutable array held by the block keeps its elements where they are.
        let base = array.withUnsafeBufferPointer { UnsafeMutableRawPointer(mutating: $0.baseAddress!) }
        return make(TensorBlockHeader(base: base, count: array.count, isWritable: false, owner: array), bytes: 0)
    }

    static func borrowing(_ base: UnsafeRawPointer, count: Int, owner: AnyObject) -> TensorBlock {
        make(
            TensorBlockHeader(
                base: UnsafeMutableRawPointer(mutating: base),
                count: count,
                isWritable: false,
                owner: owner
            ),
            bytes: 0
        )
    }

    /// A writable copy of the elements.
    @usableFromInline
    func copy<Scalar: BLASScalar>(as: Scalar.Type) -> TensorBlock {
        let block = TensorBlock.allocate(count: count, of: Scalar.self)
        block.base.copyMemory(from: base, byteCount: count * MemoryLayout<Scalar>.stride)
        return block
    }
}
