import Backprop
import TestSupport
import Testing

/// A's value semantics for tensor storage that may be its own memory, an adopted array, a view
/// of another storage, or memory borrowed from an owner (a request body).
@Suite("Tensor storage")
struct TensorStorageTests {
    /// Memory that reports when it is freed, standing in for a request body.
    final class Owner {
        let bytes: UnsafeMutableBufferPointer<Double>
        let freed: () -> Void
        init(_ values: [Double], freed: @escaping () -> Void) {
            bytes = .allocate(capacity: values.count)
            _ = bytes.initialize(from: values)
            self.freed = freed
        }
        deinit {
            bytes.deallocate()
            freed()
        }
    }

    func baseAddress(_ s: TensorStorage<Double>) -> UnsafePointer<Double>? { s.withUnsafeBufferPointer(\.baseAddress) }

    @Test func writesCopyOnlyWhatIsShared() {
        let array = [1.0, 2, 3, 4]
        var adopted = TensorStorage(array)
        #expect(baseAddress(adopted) == array.withUnsafeBufferPointer(\.baseAddress), "adopted without a copy")
        let before = adopted
        adopted[0] = 9
        #expect(array == [1, 2, 3, 4], "the adopted array is never written")
        #expect(before == [1, 2, 3, 4] && adopted == [9, 2, 3, 4])

        var own = TensorStorage<Double>(repeating: 0, count: 4)
        let address = baseAddress(own)
        own[2] = 5
        own.withUnsafeMutableBufferPointer { $0[3] = 6 }
        #expect(baseAddress(own) == address, "unique own memory is written in place")
        #expect(own == [0, 0, 5, 6])

        let view = own.view(1..<3)
        #expect(baseAddress(view) == address! + 1 && view == [0, 5])
        var written = view
        written[0] = 7
        #expect(own == [0, 0, 5, 6] && view == [0, 5] && written == [7, 5])
        own[1] = 8
        #expect(view == [0, 5], "a view keeps the elements it was made from")
    }

    @Test func borrowedElementsKeepTheirOwnerAlive() {
        nonisolated(unsafe) var freed = false
        var storage: TensorStorage<Double>?
        do {
            let owner = Owner([1, 2, 3]) { freed = true }
            storage = TensorStorage(borrowing: owner.bytes.baseAddress!, count: 3, owner: owner)
            #expect(baseAddress(storage!) == UnsafePointer(owner.bytes.baseAddress!))
        }
        #expect(!freed && storage! == [1, 2, 3])
        var copy = storage!
        copy[1] = 0
        #expect(storage! == [1, 2, 3], "a write to borrowed elements copies them")
        #expect(!freed, "the view still holds its owner")
        storage = nil
        #expect(freed, "the copy does not hold the owner: the view was its last holder")
        #expect(copy == [1, 0, 3])
    }

    @Test func matrixRowsAreViews() {
        let m = Matrix<Double>([[1, 2], [3, 4], [5, 6]])
        let rows = m.rows(1..<3)
        #expect(rows == Matrix([[3, 4], [5, 6]]))
        #expect(baseAddress(rows.storage) == baseAddress(m.storage)! + 2)
        #expect(TensorStorage<Double>() == [] && TensorStorage<Double>([]).count == 0)
        #expect("\(TensorStorage([1.5, 2]))" == "[1.5, 2.0]")
    }

    /// One request's Z and A are views of one allocation, its Δ, ∇W, ∇b and ∂C/∂A^0 of another,
    /// serial or split in row blocks; changing one of them afterwards copies it and leaves the rest.
    @Test(arguments: [1, 3])
    func oneWorkspacePerRequest(parallelism: Int) throws {
        var g = SeededGenerator(seed: 21)
        let net: Network<Double> = Reference.network(
            widths: [64, 128, 32],
            hidden: .tanh,
            output: .identity,
            using: &g
        )
        let x: Matrix<Double> = Reference.random(300, 64, using: &g)
        let y: Matrix<Double> = Reference.random(300, 32, using: &g)
        #expect((net.blockCount(batch: 300, parallelism: parallelism) > 1) == (parallelism > 1))
        let (pass, grads) = try net.gradients(
            inputs: x,
            targets: y,
            loss: .mse,
            inputGradient: true,
            parallelism: parallelism
        )
        let forward = pass.z[0].storage.owner
        let owner = grads.delta[0].storage.owner
        var matrices = grads.delta + grads.weightGradient
        matrices.append(grads.inputGradient!)
        // (=== compared outside #expect: inside it, this compiler crashed lowering the operator.)
        let shared =
            matrices.allSatisfy { $0.storage.owner === owner } && grads.biasGradient.allSatisfy { $0.owner === owner }
            && (pass.z + pass.a.dropFirst()).allSatisfy { $0.storage.owner === forward } && forward !== owner
        #expect(shared)
        let inputItself = pass.a[0].storage.owner === x.storage.owner
        #expect(inputItself, "A^0 is the input itself")
        #expect(pass.a[2].storage == pass.z[1].storage, "an identity layer's A is its Z")
        let before = grads.weightGradient.map { $0.storage.array }
        var changed = grads.delta[1]
        changed[0, 0] += 1
        let copied = changed.storage.owner !== owner
        #expect(copied)
        let after = grads.weightGradient.map { $0.storage.array }
        #expect(after == before && changed[0, 0] == grads.delta[1][0, 0] + 1)
    }
}
