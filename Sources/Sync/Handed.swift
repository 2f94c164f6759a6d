/// A value handed to the iterations of `DispatchQueue.concurrentPerform`, which only read it or
/// write disjoint parts of what it points at: the project's one `@unchecked Sendable` escape
/// hatch for that pattern (pointers are not `Sendable`). Whoever makes one must keep the memory
/// valid until the iterations return, and give each iteration its own part to write.
package struct Handed<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
