// Posts the README's 2-3-1 example to a backprop-server through the generated client and prints the
// gradients. Usage: backprop-example [BASE_URL]   (default http://127.0.0.1:8080)
import BackpropClient
import Foundation
import OpenAPIURLSession

let base = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "http://127.0.0.1:8080"
guard let url = URL(string: base) else { fatalError("not a URL: \(base)") }
let client = Client(serverURL: url, transport: URLSessionTransport())

let request = Components.Schemas.GradientsRequest(
    network: .init(layers: [
        .init(weights: .NestedMatrix([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), biases: .Numbers([0, 0, 0]), activation: .sigmoid),
        .init(weights: .NestedMatrix([[0.7, 0.8, 0.9]]), activation: .identity),
    ]),
    batch: .init(inputs: .NestedMatrix([[1, 2], [3, 4]]), targets: .NestedMatrix([[1], [0]])),
    loss: .quadratic
)

switch try await client.gradients(body: .json(request)) {
case .ok(let ok):
    let answer = try ok.body.json
    print("loss \(answer.loss)")
    for layer in answer.layers ?? [] {
        print("layer \(layer.layer)")
        if case .NestedMatrix(let rows)? = layer.weightGradient { print("  weightGradient \(rows)") }
        if case .Numbers(let values)? = layer.biasGradient { print("  biasGradient \(values)") }
        if case .NestedMatrix(let rows)? = layer.delta { print("  delta \(rows)") }
    }
case .unprocessableContent(let problem):
    let p = try problem.body.applicationProblemJson
    print("422 \(p.title): \(p.detail) at \(p.pointer ?? "-")")
    exit(1)
case let other:
    print("unexpected answer: \(other)")
    exit(1)
}
