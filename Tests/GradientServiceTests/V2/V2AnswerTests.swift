import Backprop
import Testing
import WireFormat

@testable import GradientService
@testable import HTTPServer

/// The protocol's answers, byte for byte: an `infer` answer in JSON and binary (a BOOL's one byte
/// included), the error form, and model metadata from the output catalog.
@Suite("V2Answer")
struct V2AnswerTests {
    static let loss = V2Answer.Value.tensor(BinaryPart(TensorStorage([1.5])), shape: [1])
    static let delta = V2Answer.Value.tensor(BinaryPart(TensorStorage([Float(0.25), -2])), shape: [1, 2])

    @Test("JSON outputs carry their datatype, shape and data; the id is echoed")
    func jsonAnswer() {
        let response = V2Answer.infer(
            [(.loss, Self.loss, false), (.delta(1), Self.delta, false), (.passed, .flag(true), false)],
            model: "gradients",
            id: "7"
        )
        #expect(response.status == 200)
        #expect(response.headers.map(\.0) == ["Content-Type"])
        #expect(
            String(decoding: response.body, as: UTF8.self)
                == #"{"model_name":"gradients","model_version":"1","id":"7","outputs":[{"name":"loss","datatype":"FP64","shape":[1],"data":[1.5]},{"name":"delta1","datatype":"FP32","shape":[1,2],"data":[0.25,-2.0]},{"name":"passed","datatype":"BOOL","shape":[1],"data":[true]}]}"#
        )
    }

    @Test("binary outputs follow the JSON part in order, a BOOL as one byte, with the JSON part's length")
    func binaryAnswer() {
        let response = V2Answer.infer(
            [(.loss, Self.loss, true), (.passed, .flag(true), true), (.delta(1), Self.delta, false)],
            model: "gradcheck",
            id: nil
        )
        let json =
            #"{"model_name":"gradcheck","model_version":"1","outputs":[{"name":"loss","datatype":"FP64","shape":[1],"parameters":{"binary_data_size":8}},{"name":"passed","datatype":"BOOL","shape":[1],"parameters":{"binary_data_size":1}},{"name":"delta1","datatype":"FP32","shape":[1,2],"data":[0.25,-2.0]}]}"#
        #expect(response.headers.contains { $0 == ("Content-Type", "application/octet-stream") })
        #expect(response.headers.contains { $0 == ("Inference-Header-Content-Length", String(json.utf8.count)) })
        #expect(response.tail.isEmpty)
        #expect(response.body == Array(json.utf8) + withUnsafeBytes(of: 1.5.bitPattern.littleEndian, Array.init) + [1])
    }

    @Test("the error form: one member, the problem's status and headers")
    func errorForm() {
        let response = V2Answer.error(.unavailable("busy \"now\"", retryAfter: 4))
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"busy \"now\""}"#)
        #expect(response.headers.map(\.0) == ["Content-Type", "Retry-After"])
        #expect(response.headers.last! == ("Retry-After", "4"))
    }

    @Test("model metadata lists the catalog's outputs with their datatypes and free dimensions")
    func metadata() throws {
        let answer = try JSONParser.parse(V2Answer.modelMetadata("gradcheck", .gradcheck, maxLayers: 2).body)
        let outputs = answer["outputs"]?.arrayElements ?? []
        #expect(outputs.compactMap { $0["name"]?.stringValue } == V2Output.catalog(.gradcheck, layers: 2).map(\.name))
        #expect(outputs.first?["datatype"]?.stringValue == "BOOL")
        #expect(outputs[1]["datatype"]?.stringValue == "FP64")
        #expect(outputs[1]["shape"]?.flatNumbers == [-1])
        let inputs = answer["inputs"]?.arrayElements ?? []
        #expect(
            inputs.compactMap { $0["name"]?.stringValue } == ["W1", "b1", "W2", "b2", "inputs", "targets", "labels"]
        )
        #expect(inputs.last?["datatype"]?.stringValue == "INT64")
        #expect(inputs.first?["shape"]?.flatNumbers == [-1, -1])
    }
}
