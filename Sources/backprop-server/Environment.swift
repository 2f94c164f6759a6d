import ArgumentParser

/// Every flag's environment variable, read through the flag itself: a set variable becomes
/// `--flag=value` on the command line unless the flag is there already (a flag wins over its
/// variable), so a variable is parsed and validated exactly as its flag is, and a bad value stops
/// the process with a message naming the variable. An empty variable counts as unset.
enum Environment {
    /// Every flag that has a variable; the variable is `BACKPROP_` and the flag's name in capitals
    /// with `_` for `-` (`--max-body-bytes` ↔ `BACKPROP_MAX_BODY_BYTES`).
    static let flags = [
        "--host", "--port", "--tls-cert", "--tls-key", "--workers", "--queue-capacity", "--io-threads",
        "--max-body-bytes", "--max-layers", "--max-units", "--max-parameters", "--max-batch", "--max-work",
        "--max-gradcheck-parameters", "--connection-timeout", "--connection-memory-limit", "--connection-limit",
        "--request-timeout", "--body-timeout", "--head-timeout", "--min-body-rate", "--min-rate-grace",
        "--per-ip-connection-limit",
        "--drain-timeout", "--auth-token",
        "--protect-metrics", "--log-level", "--blas-core",
    ]

    static func variable(for flag: String) -> String {
        "BACKPROP_" + String(flag.dropFirst(2).uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// `arguments` with a `--flag=value` added for each variable set in `environment` whose flag is
    /// not given, and the variables so used (flag → "NAME=value"), for error messages.
    static func merge(
        _ arguments: [String],
        environment: (String) -> String?
    ) -> (arguments: [String], used: [(flag: String, setting: String)]) {
        var merged = arguments
        var used: [(flag: String, setting: String)] = []
        for flag in flags {
            let name = variable(for: flag)
            guard let value = environment(name), !value.isEmpty else { continue }
            if arguments.contains(where: { $0 == flag || $0.hasPrefix(flag + "=") }) { continue }
            merged.append("\(flag)=\(value)")
            used.append((flag, "\(name)=\(value)"))
        }
        return (merged, used)
    }

    /// What each flag takes, for a variable whose value its parser refused.
    static func accepted(_ flag: String) -> String {
        switch flag {
        case "--host", "--tls-cert", "--tls-key", "--auth-token": "text"
        case "--request-timeout", "--body-timeout", "--head-timeout", "--drain-timeout", "--min-rate-grace":
            "a number of seconds"
        case "--protect-metrics": "true/false, 1/0, yes/no or on/off"
        case "--log-level": "trace, debug, info, notice, warning, error or critical"
        case "--blas-core": "auto or keep"
        default: "a whole number"
        }
    }

    /// `message` with a line naming the variable behind each flag it mentions that came from one,
    /// and what the flag takes when the value could not be read at all.
    static func explain(_ message: String, used: [(flag: String, setting: String)]) -> String {
        let unreadable = message.contains("is invalid for")
        let sources = used.filter { message.contains($0.flag) }.map {
            "\($0.flag) was set by \($0.setting)" + (unreadable ? " (expected \(accepted($0.flag)))" : "")
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
