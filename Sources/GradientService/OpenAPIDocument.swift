/// The OpenAPI document this binary was built with, embedded at build time (served at /openapi.yaml).
enum OpenAPIDocument {
    static let bytes: [UInt8] = PackageResources.openapi_yaml
}
