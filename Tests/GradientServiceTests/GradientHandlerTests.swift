import Logging
import Testing

@testable import GradientService
@testable import HTTPServer

/// What the handler does with a request's body: let go of it once decoded, so a large body is not
/// held while the request computes, unless binary tensors are used in place from it.
@Suite("GradientHandler")
struct GradientHandlerTests {
    let handler = GradientHandler(
        configuration: GradientHandler.Configuration(),
        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    )

    func body(_ bytes: [UInt8], alignedOffset: Int = 0) -> RequestBody {
        let body = RequestBody(capacity: bytes.count, alignedOffset: alignedOffset)
        bytes.withUnsafeBytes { body.append($0.baseAddress!, count: $0.count, limit: .max) }
        return body
    }

    @Test("a JSON body is freed after decoding, before the math runs")
    func jsonBodyFreedBeforeMath() throws {
        var given: RequestBody? = body(Array(apiExample.utf8))
        weak let probe = given
        nonisolated(unsafe) var heldDuringMath: Bool?
        let encoded = try handler.compute(.gradients, body: given.take()!) {
            heldDuringMath = probe != nil
            return false
        }
        #expect(heldDuringMath == false)
        #expect(String(decoding: encoded.json, as: UTF8.self).hasPrefix(#"{"loss":1.3107817592624795,"#))
    }

    @Test("binary tensors used in place keep the body alive through the math, and no longer")
    func binaryBodyHeldByViews() throws {
        // The README example with the inputs as a float64 binary tensor placed on a 64-byte boundary.
        let json = apiExample.replacingOccurrences(
            of: #""inputs": [[1, 2], [3, 4]]"#,
            with: #""inputs": {"shape": [2, 2], "dtype": "float64", "binaryDataSize": 32}"#
        )
        var bytes = Array(json.utf8)
        for v in [1.0, 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        var given: RequestBody? = body(bytes, alignedOffset: json.utf8.count)
        weak let probe = given
        nonisolated(unsafe) var heldDuringMath: Bool?
        let encoded = try handler.compute(.gradients, body: given.take()!, format: .binary(jsonLength: json.utf8.count))
        {
            heldDuringMath = probe != nil
            return false
        }
        #expect(heldDuringMath == true, "the inputs are a view of the body")
        #expect(probe == nil, "and the body is freed with the last view")
        #expect(String(decoding: encoded.json, as: UTF8.self).hasPrefix(#"{"loss":1.3107817592624795,"#))
    }
}
