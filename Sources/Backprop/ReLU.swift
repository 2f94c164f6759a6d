// ReLU forward and backward as vector selects, one concrete version per scalar type.
//
// `z > 0 ? z : 0` compiled to a branch per element (a store only when z ≤ 0), which mispredicts
// on about half of a layer's elements: perf put it at a tenth of a large request's time. The
// generic SIMD version compiled to element-by-element mask building, so these are written for
// Float and Double. Comparisons are `!(z > 0)` so NaN maps to 0, as the scalar form did.

extension Float {
    public static func reluForward(_ p: UnsafeMutableBufferPointer<Float>) {
        guard let base = p.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        var i = 0
        while i + 16 <= p.count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            raw.storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < p.count {
            if !(base[i] > 0) { base[i] = 0 }
            i += 1
        }
    }

    public static func reluBackward(_ d: UnsafeMutableBufferPointer<Float>, _ z: UnsafeBufferPointer<Float>) {
        guard let base = d.baseAddress, let zBase = z.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        let zRaw = UnsafeRawPointer(zBase)
        var i = 0
        while i + 16 <= d.count {
            let g = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let zv = zRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            raw.storeBytes(of: g.replacing(with: 0, where: .!(zv .> 0)), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < d.count {
            if !(zBase[i] > 0) { base[i] = 0 }
            i += 1
        }
    }
}

extension Double {
    public static func reluForward(_ p: UnsafeMutableBufferPointer<Double>) {
        guard let base = p.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        var i = 0
        while i + 8 <= p.count {
            let v = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            raw.storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), toByteOffset: i * 8, as: SIMD8<Double>.self)
            i += 8
        }
        while i < p.count {
            if !(base[i] > 0) { base[i] = 0 }
            i += 1
        }
    }

    public static func reluBackward(_ d: UnsafeMutableBufferPointer<Double>, _ z: UnsafeBufferPointer<Double>) {
        guard let base = d.baseAddress, let zBase = z.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        let zRaw = UnsafeRawPointer(zBase)
        var i = 0
        while i + 8 <= d.count {
            let g = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            let zv = zRaw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            raw.storeBytes(of: g.replacing(with: 0, where: .!(zv .> 0)), toByteOffset: i * 8, as: SIMD8<Double>.self)
            i += 8
        }
        while i < d.count {
            if !(zBase[i] > 0) { base[i] = 0 }
            i += 1
        }
    }
}
