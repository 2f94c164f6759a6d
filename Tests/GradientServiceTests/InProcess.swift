import Logging

@testable import GradientService

extension GradientHandler {
    /// A handler for in-process tests: the default configuration changed by `configure`, logging
    /// to `handler` (nowhere by default).
    static func inProcess(
        logTo handler: any LogHandler = SwiftLogNoOpLogHandler(),
        _ configure: (inout Configuration) -> Void = { _ in }
    ) -> GradientHandler {
        var configuration = Configuration()
        configure(&configuration)
        return GradientHandler(configuration: configuration, logger: Logger(label: "test") { _ in handler })
    }
}
