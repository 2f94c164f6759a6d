import Testing
import WireFormat

@testable import GradientService

/// The one catalog of `/v2` outputs: names read back, the names refused, which model has which
/// output, the catalog's order, and what metadata says of each.
@Suite("V2Output")
struct V2OutputTests {
    @Test("every output of each model's catalog reads back from its name", arguments: Operation.allCases)
    func roundTrip(_ operation: Operation) {
        let catalog = V2Output.catalog(operation, layers: 3)
        #expect(!catalog.isEmpty)
        for output in catalog {
            #expect(V2Output(name: output.name) == output, "\(output.name)")
            #expect(output.belongs(to: operation), "\(output.name)")
        }
        #expect(Set(catalog.map(\.name)).count == catalog.count)
    }

    @Test(
        "names no model has are refused",
        arguments: [
            "delta0", "delta01", "deltas1", "delta", "x1", "", "1", "passed0", "loss1", "inputGradient1",
            "weightsMaxAbsError", "delta12345", "Delta1", "delta1 ", "delta-1",
        ]
    )
    func refused(_ name: String) {
        #expect(V2Output(name: name) == nil)
    }

    @Test("a layer number reads up to four digits")
    func layerNumbers() {
        #expect(V2Output(name: "delta1234") == .delta(1234))
        #expect(V2Output(name: "passed10") == .layerPassed(10))
        #expect(V2Output(name: "biasesMaxRelError7") == .gradcheckError(.biasesMaxRelError, 7))
        #expect(V2Output(name: "delta1234")?.layer == 1234)
        #expect(V2Output.inputGradient.layer == nil)
    }

    static let owners: [(V2Output, Set<Operation>)] = [
        (.loss, [.gradients, .forward]),
        (.delta(1), [.gradients]),
        (.weightGradient(1), [.gradients]),
        (.biasGradient(1), [.gradients]),
        (.preactivation(1), [.gradients, .forward]),
        (.activation(1), [.gradients, .forward]),
        (.inputGradient, [.gradients]),
        (.passed, [.gradcheck]),
        (.layerPassed(1), [.gradcheck]),
        (.gradcheckError(.weightsMaxAbsError, 1), [.gradcheck]),
    ]

    @Test("each output belongs to the models that compute it", arguments: owners)
    func belongs(_ output: V2Output, _ models: Set<Operation>) {
        for operation in Operation.allCases {
            #expect(output.belongs(to: operation) == models.contains(operation), "\(output.name) in \(operation)")
        }
    }

    @Test("the gradients catalog lists loss, five quantities per layer, then the input gradient")
    func gradientsCatalog() {
        #expect(
            V2Output.catalog(.gradients, layers: 2).map(\.name) == [
                "loss", "delta1", "weightGradient1", "biasGradient1", "preactivation1", "activation1", "delta2",
                "weightGradient2", "biasGradient2", "preactivation2", "activation2", "inputGradient",
            ]
        )
    }

    @Test("the forward catalog lists loss and the forward quantities per layer")
    func forwardCatalog() {
        #expect(
            V2Output.catalog(.forward, layers: 2).map(\.name) == [
                "loss", "preactivation1", "activation1", "preactivation2", "activation2",
            ]
        )
    }

    @Test("the gradcheck catalog lists passed, then four errors and a verdict per layer")
    func gradcheckCatalog() {
        #expect(
            V2Output.catalog(.gradcheck, layers: 2).map(\.name) == [
                "passed", "weightsMaxAbsError1", "weightsMaxRelError1", "biasesMaxAbsError1", "biasesMaxRelError1",
                "passed1", "weightsMaxAbsError2", "weightsMaxRelError2", "biasesMaxAbsError2", "biasesMaxRelError2",
                "passed2",
            ]
        )
    }

    @Test("catalog sizes grow by the per-layer count", arguments: 1...4)
    func counts(layers: Int) {
        #expect(V2Output.catalog(.gradients, layers: layers).count == 2 + 5 * layers)
        #expect(V2Output.catalog(.forward, layers: layers).count == 1 + 2 * layers)
        #expect(V2Output.catalog(.gradcheck, layers: layers).count == 1 + 5 * layers)
    }

    static let metadataCases: [(V2Output, V2Datatype, Int)] = [
        (.loss, .fp64, 1),
        (.delta(1), .fp64, 2),
        (.weightGradient(2), .fp64, 2),
        (.biasGradient(1), .fp64, 1),
        (.preactivation(1), .fp64, 2),
        (.activation(3), .fp64, 2),
        (.inputGradient, .fp64, 2),
        (.passed, .bool, 1),
        (.layerPassed(1), .bool, 1),
        (.gradcheckError(.biasesMaxAbsError, 1), .fp64, 1),
    ]

    @Test("metadata gives each output its datatype and rank", arguments: metadataCases)
    func metadata(_ output: V2Output, _ datatype: V2Datatype, _ rank: Int) {
        let float64 = output.metadata(.float64)
        #expect(float64.datatype == datatype)
        #expect(float64.rank == rank)
        // In float32 the float outputs become FP32; BOOL stays.
        let float32 = output.metadata(.float32)
        #expect(float32.datatype == (datatype == .fp64 ? .fp32 : datatype))
        #expect(float32.rank == rank)
    }
}
