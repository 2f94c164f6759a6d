/// The elements of a `Matrix`, row-major and contiguous, with an array's value semantics.
///
/// Unlike an array, the elements need not be memory of their own: they can be a range of a
/// request's workspace (one allocation for every buffer of the request), a view of memory another
/// object keeps alive (binary tensors in a request body, used in place rather than copied), or an
/// adopted array. A write goes in place only when this storage is the sole holder of memory it
/// owns; otherwise the elements are copied first (copy on write, as `Array` does), so a view
/// never changes what it views.
public struct TensorStorage<Scalar: BLASScalar>: @unchecked Sendable {
    // @unchecked: memory is only written through a uniquely referenced, writable block, so memory
    // seen by more than one thread is never written through a storage.
    @usableFromInline var block: TensorBlock
    @usableFromInline var base: UnsafeMutablePointer<Scalar>
    /// The number of elements.
    public let count: Int

    @inlinable init(block: TensorBlock, base: UnsafeMutablePointer<Scalar>, count: Int) {
        self.block = block
        self.base = base
        self.count = count
    }

    /// No elements.
    public init() { self.init(block: TensorBlock.empty, base: TensorBlock.nowhere(Scalar.self), count: 0) }

    /// `count` elements, written by `initializer` (which must set `initializedCount` to `count`),
    /// like `Array(unsafeUninitializedCapacity:initializingWith:)`.
    @inlinable
    public init(
        unsafeUninitializedCapacity count: Int,
        initializingWith initializer: (inout UnsafeMutableBufferPointer<Scalar>, inout Int) throws -> Void
    ) rethrows {
        let block = TensorBlock.allocate(count: count, of: Scalar.self)
        let base = block.base.assumingMemoryBound(to: Scalar.self)
        var buffer = UnsafeMutableBufferPointer(start: base, count: count)
        var initialized = 0
        try initializer(&buffer, &initialized)
        precondition(initialized == count, "every element must be initialized")
        self.init(block: block, base: base, count: count)
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
        if array.isEmpty {
            self.init()
        } else {
            // An immutable array held by the block keeps its elements where they are.
            let base = array.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!) }
            self.init(block: TensorBlock.holding(array), base: base, count: array.count)
        }
    }

    /// A view of `count` elements at `base`, which `owner` keeps valid and unchanged for as long
    /// as it is held.
    public init(borrowing base: UnsafePointer<Scalar>, count: Int, owner: AnyObject) {
        self.init(block: TensorBlock.holding(owner), base: UnsafeMutablePointer(mutating: base), count: count)
    }

    /// Elements `range` as a view of this storage (no copy, no allocation).
    public func view(_ range: Range<Int>) -> TensorStorage {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        return TensorStorage(block: block, base: base + range.lowerBound, count: range.count)
    }

    /// The elements as an array (a copy).
    public var array: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    /// An object that keeps these elements' memory valid while held (for handing the bytes to
    /// code that outlives this value, such as a response sent from them).
    public var owner: AnyObject { block }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
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
        var buffer = UnsafeMutableBufferPointer(start: base, count: count)
        return try body(&buffer)
    }

    @inlinable
    mutating func makeUnique() {
        if !block.isWritable || !isKnownUniquelyReferenced(&block) {
            let copy = TensorBlock.allocate(count: count, of: Scalar.self)
            let target = copy.base.assumingMemoryBound(to: Scalar.self)
            target.initialize(from: base, count: count)
            block = copy
            base = target
        }
    }
}

extension TensorStorage: RandomAccessCollection, MutableCollection {
    public typealias Index = Int
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    @inlinable
    public subscript(position: Int) -> Scalar {
        get {
            precondition(position >= 0 && position < count, "index out of range")
            return base[position]
        }
        set {
            precondition(position >= 0 && position < count, "index out of range")
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

/// What a `TensorBlock` knows of its memory.
public struct TensorBlockHeader {
    /// The block's own elements (those it allocated), if it is writable.
    @usableFromInline var base: UnsafeMutableRawPointer
    /// Whether the block owns its memory (a storage holding it alone may write there).
    @usableFromInline var isWritable: Bool
    /// What keeps borrowed memory alive: the body it is in, or an adopted array.
    var owner: Any?
}

/// Memory one or more storages point into: allocated in the block itself (one allocation), or
/// borrowed from an owner (an adopted array, a request body) that the block keeps alive.
///
/// Not generic: a generic class looked up its type metadata on every allocation (perf put
/// that, with the dynamic linker's symbol lookups, at a tenth of the tiny network's time).
public final class TensorBlock: ManagedBuffer<TensorBlockHeader, UInt8> {
    @inlinable var base: UnsafeMutableRawPointer { header.base }
    @inlinable var isWritable: Bool { header.isWritable }

    private static func make(_ header: TensorBlockHeader, bytes: Int) -> TensorBlock {
        unsafeDowncast(create(minimumCapacity: bytes) { _ in header }, to: TensorBlock.self)
    }

    /// A non-null, suitably aligned address for empty storage (never read or written).
    @usableFromInline
    static func nowhere<Scalar>(_: Scalar.Type) -> UnsafeMutablePointer<Scalar> {
        UnsafeMutablePointer(bitPattern: 64)!
    }

    /// The one block with nothing in it, shared by every empty storage. `nonisolated(unsafe)`:
    /// it is never written (not writable, so a write to an empty storage makes a new block).
    nonisolated(unsafe) static let empty = make(
        TensorBlockHeader(base: nowhere(UInt8.self), isWritable: false),
        bytes: 0
    )

    /// Room for `count` elements of `Scalar` in the block's own memory (uninitialized).
    @usableFromInline
    static func allocate<Scalar: BLASScalar>(count: Int, of: Scalar.Type) -> TensorBlock {
        let stride = MemoryLayout<Scalar>.stride
        // One element of slack, so the elements can start on their own alignment after the header.
        let block = make(TensorBlockHeader(base: nowhere(UInt8.self), isWritable: true), bytes: (count + 1) * stride)
        let start = block.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
        // The elements sit after the header in the same allocation and never move.
        block.header.base = start.alignedUp(for: Scalar.self)
        block.header.base.bindMemory(to: Scalar.self, capacity: count)
        return block
    }

    /// A block that keeps `owner` (an object, or an array) alive and owns no memory.
    static func holding(_ owner: Any) -> TensorBlock {
        make(TensorBlockHeader(base: nowhere(UInt8.self), isWritable: false, owner: owner), bytes: 0)
    }
}
