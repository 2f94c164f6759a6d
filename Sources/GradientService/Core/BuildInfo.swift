/// What the binary is: its version, in `--version`, `/metrics` and the `/v2` server metadata.
public enum BuildInfo {
    public static let version = "0.1.0"
}
