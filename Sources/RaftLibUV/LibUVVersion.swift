import CLibUV

/// The libuv library this process runs on.
public enum LibUVVersion {
  /// The version string of the linked libuv, for example `"1.44.2"`.
  public static var string: String { String(cString: uv_version_string()) }
}
