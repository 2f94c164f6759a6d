import WireFormat

/// A tensor's datatype in the Open Inference Protocol, the ones this server reads or writes.
enum V2Datatype: String, WireWord {
    case fp32 = "FP32"
    case fp64 = "FP64"
    case int32 = "INT32"
    case int64 = "INT64"
    case bool = "BOOL"

    /// The float datatypes a network and batch may come in (all inputs share one).
    static let floats: [V2Datatype] = [.fp32, .fp64]
    /// The datatypes labels may come in.
    static let integers: [V2Datatype] = [.int32, .int64]

    init(_ dtype: DType) { self = dtype == .float32 ? .fp32 : .fp64 }

    /// The computation's dtype, for a float datatype.
    var dtype: DType? {
        switch self {
        case .fp32: .float32
        case .fp64: .float64
        default: nil
        }
    }

    /// Bytes per element in a binary tensor.
    var byteWidth: Int {
        switch self {
        case .fp32, .int32: 4
        case .fp64, .int64: 8
        case .bool: 1
        }
    }
}
