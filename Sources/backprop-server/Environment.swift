import ArgumentParser

/// Every flag's environment variable, read through the flag itself: a set variable becomes
/// `--flag=value` on the command line unless the flag is there already (a flag wins over its
/// variable), so a variable is parsed and validated exactly as its flag is, and a bad value stops
/// the process with a message naming the variable. An empty variable counts as unset.
enum Environment {
    /// Every flag that has a variable, with what it takes (said when a variable's value cannot be
    /// read at all). The variable is `BACKPROP_` and the flag's name in capitals with `_` for `-`
    /// (`--max-body-bytes` ↔ `BACKPROP_MAX_BODY_BYTES`).
    static let flags: [(flag: String, takes: String)] = {
        let count = "a whole number"
        let seconds = "a number of seconds"
        return [
            ("--host", "text"), ("--port", count), ("--tls-cert", "text"), ("--tls-key", "text"),
            ("--workers", count), ("--queue-capacity", count), ("--io-threads", count), ("--max-body-bytes", count),
            ("--max-layers", count), ("--max-units", count), ("--max-parameters", count), ("--max-batch", count),
            ("--max-work", count), ("--max-gradcheck-parameters", count), ("--connection-timeout", count),
            ("--connection-memory-limit", count), ("--connection-limit", count), ("--request-timeout", seconds),
            ("--body-timeout", seconds), ("--head-timeout", seconds), ("--min-body-rate", count),
            ("--min-rate-grace", seconds), ("--per-ip-connection-limit", count), ("--drain-timeout", seconds),
            ("--auth-token", "text"), ("--protect-metrics", "true/false, 1/0, yes/no or on/off"),
            ("--log-level", "trace, debug, info, notice, warning, error or critical"), ("--blas-core", "auto or keep"),
        ]
    }()

    static func variable(for flag: String) -> String {
        "BACKPROP_" + String(flag.dropFirst(2).uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// `arguments` with a `--flag=value` added for each variable set in `environment` whose flag is
    /// not given, and the variables so used (flag → "NAME=value"), for error messages.
    static func merge(
        _ arguments: [String],
        environment: (String) -> String?
    ) -> (arguments: [String], used: [(flag: String, setting: String, takes: String)]) {
        var merged = arguments
        var used: [(flag: String, setting: String, takes: String)] = []
        for (flag, takes) in flags {
            let name = variable(for: flag)
            guard let value = environment(name), !value.isEmpty else { continue }
            if arguments.contains(where: { $0 == flag || $0.hasPrefix(flag + "=") }) { continue }
            merged.append("\(flag)=\(value)")
            used.append((flag, "\(name)=\(value)", takes))
        }
        return (merged, used)
    }

    /// `message` with a line naming the variable behind each flag it mentions that came from one,
    /// and what the flag takes when the value could not be read at all.
    static func explain(_ message: String, used: [(flag: String, setting: String, takes: String)]) -> String {
        let unreadable = message.contains("is invalid for")
        let sources = used.filter { message.contains($0.flag) }.map {
            "\($0.flag) was set by \($0.setting)" + (unreadable ? " (expected \($0.takes))" : "")
        }
        return sources.isEmpty ? message : message + "\n" + sources.joined(separator: "\n")
    }
}

/// A true-or-false option value in the usual spellings: true/false, 1/0, yes/no, on/off (any case).
struct Toggle: ExpressibleByArgument, CustomStringConvertible {
    let isOn: Bool

    init(_ isOn: Bool) { self.isOn = isOn }

    init?(argument: String) {
        switch argument.lowercased() {
        case "true", "1", "yes", "on": isOn = true
        case "false", "0", "no", "off": isOn = false
        default: return nil
        }
    }

    var description: String { isOn ? "true" : "false" }
    static var allValueStrings: [String] { ["true", "false", "1", "0", "yes", "no", "on", "off"] }
}
