import Backprop
import TestSupport
import Testing

/// The vectorised ReLU against the scalar definition, on every length from 0 to 70 (so the
/// 16/8-wide body, the scalar tail and their seam are all covered), with zeros, signs and NaN.
@Suite("ReLU vector paths")
struct ReLUTests {
    static func values<S: BLASScalar>(_ n: Int, _: S.Type, seed: UInt64) -> [S] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { i in
            switch i % 7 {
            case 0: 0
            case 3: -0.0
            case 5 where i % 3 == 0: .nan
            default: S(Double.random(in: -2...2, using: &rng))
            }
        }
    }

    func check<S: BLASScalar>(_: S.Type) {
        for n in 0...70 {
            let z = Self.values(n, S.self, seed: UInt64(n))
            let g = Self.values(n, S.self, seed: UInt64(n + 1000)).map { $0.isNaN ? 1 : $0 }
            var a = z
            a.withUnsafeMutableBufferPointer { S.reluForward($0) }
            #expect(a == z.map { $0 > 0 ? $0 : 0 }, "forward, n = \(n)")
            var d = g
            d.withUnsafeMutableBufferPointer { dp in z.withUnsafeBufferPointer { S.reluBackward(dp, $0) } }
            #expect(d == zip(g, z).map { $1 > 0 ? $0 : 0 }, "backward, n = \(n)")
        }
    }

    @Test func float() { check(Float.self) }
    @Test func double() { check(Double.self) }

    /// A whole layer through `Activation.forward/backward` takes the same path.
    @Test func throughActivation() {
        let z = Matrix<Double>(rows: 3, columns: 11, storage: Self.values(33, Double.self, seed: 7))
        let a = Activation.relu.forward(z)
        #expect(a.storage == z.storage.map { $0 > 0 ? $0 : 0 })
        let g = Matrix<Double>(rows: 3, columns: 11, repeating: 2)
        let delta = Activation.relu.backward(z: z, a: a, gradient: g)
        #expect(delta.storage == z.storage.map { $0 > 0 ? 2 : 0 })
    }
}
