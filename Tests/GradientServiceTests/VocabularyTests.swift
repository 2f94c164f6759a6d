import Backprop
import Testing
import WireFormat

@testable import GradientService

@Suite("Vocabulary")
struct VocabularyTests {
    @Test("every loss, reduction, operation and quantity reads back from its spelling")
    func roundTrips() {
        for loss in Loss.allCases { #expect(Loss(wireName: loss.wireName) == loss) }
        for reduction in Reduction.allCases { #expect(Reduction(wireName: reduction.wireName) == reduction) }
        for operation in Operation.allCases { #expect(Operation(wireName: operation.wireName) == operation) }
        for quantity in Quantity.allCases { #expect(Quantity(wireName: quantity.wireName) == quantity) }
        #expect(Loss.wireNames == ["quadratic", "mse", "cross_entropy", "binary_cross_entropy"])
        #expect(Loss(wireName: "crossEntropy") == nil)
    }

    @Test("activation names give their activation and defaults, and each activation its name")
    func activations() {
        for name in ActivationName.allCases {
            let activation = name.activation(alpha: nil)
            let expected = name == .linear ? ActivationName.identity : name
            #expect(activation.wireName == expected.wireName, "\(name)")
        }
        #expect(ActivationName.leakyReLU.activation(alpha: nil) == .leakyReLU(alpha: 0.01))
        #expect(ActivationName.elu.activation(alpha: nil) == .elu(alpha: 1))
        #expect(ActivationName.elu.activation(alpha: 0.3) == .elu(alpha: 0.3))
        #expect(ActivationName.allCases.filter(\.takesAlpha) == [.leakyReLU, .elu])
    }

    @Test("the options each endpoint takes")
    func options() {
        #expect(Operation.gradcheck.optionFields == ["reduction", "dtype"])
        #expect(Operation.forward.defaultInclude.isEmpty)
        #expect(Operation.gradients.defaultInclude == [.delta, .weightGradient, .biasGradient])
    }
}
