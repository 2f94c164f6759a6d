import Backprop
import HTTPServer
import WireFormat

/// The protocol's answers: server and model metadata, and an `infer` answer written from the
/// computation's typed results: each output as JSON `data` or, asked for as binary, its bytes
/// after the JSON part (tensors sent from their storage through `Encoded`, as `/v1`'s binary
/// answers are).
enum V2Answer {
    static func json(_ write: (inout JSONWriter) -> Void) -> Response {
        var w = JSONWriter()
        write(&w)
        return Response(status: 200, contentType: "application/json", body: w.bytes)
    }

    static func serverMetadata(version: String) -> Response {
        json { w in
            w.beginObject()
            w.key("name")
            w.string("backprop-server")
            w.key("version")
            w.string(version)
            w.key("extensions")
            w.beginArray()
            w.string("binary_tensor_data")
            w.endArray()
            w.endObject()
        }
    }

    /// Inputs and outputs with -1 for free dimensions, for networks of up to `maxLayers` layers.
    static func modelMetadata(_ model: String, _ operation: Operation, maxLayers: Int) -> Response {
        func tensor(_ w: inout JSONWriter, _ name: String, _ datatype: V2Datatype, _ rank: Int) {
            w.beginObject()
            w.key("name")
            w.string(name)
            w.key("datatype")
            w.string(datatype.wireName)
            w.key("shape")
            w.beginArray()
            for _ in 0..<rank { w.integer(-1) }
            w.endArray()
            w.endObject()
        }
        return json { w in
            w.beginObject()
            w.key("name")
            w.string(model)
            w.key("versions")
            w.beginArray()
            w.string(V2Route.version)
            w.endArray()
            w.key("platform")
            w.string("backprop-server")
            w.key("inputs")
            w.beginArray()
            for l in 1...maxLayers {
                tensor(&w, "W\(l)", .fp64, 2)
                tensor(&w, "b\(l)", .fp64, 1)
            }
            tensor(&w, "inputs", .fp64, 2)
            tensor(&w, "targets", .fp64, 2)
            tensor(&w, "labels", .int64, 1)
            w.endArray()
            w.key("outputs")
            w.beginArray()
            for output in V2Output.catalog(operation, layers: maxLayers) {
                let (datatype, rank) = output.metadata(.float64)
                tensor(&w, output.name, datatype, rank)
            }
            w.endArray()
            w.endObject()
        }
    }

    /// One output's value: a tensor in the computation's dtype (a scalar is a tensor of shape
    /// [1]), or gradcheck's pass or fail.
    enum Value {
        case tensor(BinaryPart, shape: [Int])
        case flag(Bool)
    }

    /// The answer to `request`: `selected` outputs with their values, in order.
    static func infer(
        _ selected: [(output: V2Output, value: Value, binary: Bool)],
        model: String,
        id: String?
    ) -> Response {
        var w = JSONWriter()
        var binary: [BinaryPart] = []
        w.beginObject()
        w.key("model_name")
        w.string(model)
        w.key("model_version")
        w.string(V2Route.version)
        if let id {
            w.key("id")
            w.string(id)
        }
        w.key("outputs")
        w.beginArray()
        for (output, value, asBinary) in selected {
            w.beginObject()
            w.key("name")
            w.string(output.name)
            w.key("datatype")
            let shape: [Int]
            switch value {
            case .tensor(let part, let s):
                w.string((part.isFloat32 ? V2Datatype.fp32 : .fp64).wireName)
                shape = s
            case .flag:
                w.string(V2Datatype.bool.wireName)
                shape = [1]
            }
            w.key("shape")
            w.beginArray()
            for d in shape { w.integer(d) }
            w.endArray()
            if asBinary {
                let part: BinaryPart =
                    switch value {
                    case .tensor(let part, _): part
                    case .flag(let on): .byte(on ? 1 : 0)
                    }
                binary.append(part)
                w.key("parameters")
                w.beginObject()
                w.key("binary_data_size")
                w.integer(part.byteCount)
                w.endObject()
            } else {
                w.key("data")
                switch value {
                case .tensor(.float32(let v), _): v.withUnsafeBufferPointer { w.numbers($0) }
                case .tensor(.float64(let v), _): v.withUnsafeBufferPointer { w.numbers($0) }
                case .tensor(.byte(let b), _):
                    w.beginArray()
                    w.integer(Int(b))
                    w.endArray()
                case .flag(let on):
                    w.beginArray()
                    w.bool(on)
                    w.endArray()
                }
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return Encoded(json: w.bytes, binary: binary).response
    }

    /// The protocol's error form: `{"error": "..."}` with the status and headers (Retry-After,
    /// WWW-Authenticate, Allow) of `problem`.
    static func error(_ problem: Problem) -> Response {
        var w = JSONWriter(capacity: 64 + problem.detail.utf8.count)
        w.beginObject()
        w.key("error")
        w.string(problem.detail)
        w.endObject()
        return Response(
            status: problem.status,
            contentType: "application/json",
            body: w.bytes,
            headers: problem.headers
        )
    }
}
