import HTTPServer
import WireFormat

/// An answer: its JSON part, and the tensor bytes that follow it when `encoding` is `binary`.
public struct Encoded: Sendable {
    public var json: [UInt8]
    /// The tensors after the JSON part of a binary answer, as their storage (sent without a copy).
    public var binary: [BinaryPart]

    /// The HTTP response: plain JSON, or a binary body with the JSON part's length in
    /// `Inference-Header-Content-Length` (Triton/KServe's binary tensor extension).
    var response: Response {
        if binary.isEmpty { return Response(status: 200, contentType: "application/json", body: json) }
        var response = Response(
            status: 200,
            contentType: "application/octet-stream",
            body: json,
            headers: [("Inference-Header-Content-Length", String(json.count))]
        )
        let tensorBytes = binary.reduce(0) { $0 + $1.byteCount }
        // A part without an owner (a BOOL's byte) cannot be sent from where it is: joined too.
        if tensorBytes <= 64 << 10 || binary.contains(where: { $0.owner == nil }) {
            // Small: joined here, on the worker that just wrote the tensors (their bytes are in its
            // cache), so the I/O thread gets one array instead of a reference-counted object per
            // tensor. Tiny binary requests were 20% slower over HTTP than base64 ones without this.
            response.body.reserveCapacity(json.count + tensorBytes)
            for part in binary { part.withUnsafeBytes { response.body.append(contentsOf: $0) } }
            return response
        }
        response.tail = binary.map { part in
            part.withUnsafeBytes { BodyChunk(bytes: $0, owner: part.owner!) }
        }
        return response
    }
}
