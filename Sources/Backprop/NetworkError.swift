/// Why a network, batch or loss cannot be computed. Layers are counted from 0 here, as in the
/// request's `layers` array (the article's layer l is index l − 1).
public enum NetworkError: Error, Equatable, Sendable {
    case noLayers
    /// `W^l` does not take `n_{l−1}` inputs: columns `actual`, expected `expected`.
    case weightsDoNotMatchPreviousLayer(layer: Int, expected: Int, actual: Int)
    case biasesDoNotMatchWeights(layer: Int, expected: Int, actual: Int)
    case inputsDoNotMatchFirstLayer(expected: Int, actual: Int)
    case targetsDoNotMatchOutput(expectedRows: Int, expectedColumns: Int, actualRows: Int, actualColumns: Int)
    case softmaxNotOnOutputLayer(layer: Int)
    case lossDoesNotAcceptOutput(loss: Loss, output: Activation)
    case emptyBatch
    /// The caller's `shouldStop` said to give up.
    case cancelled
}
