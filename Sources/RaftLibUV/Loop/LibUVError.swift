import CLibUV

/// A libuv call failed.
public struct LibUVError: Error, Hashable, Sendable, CustomStringConvertible {
  /// libuv's (negative) error code, for example `UV_EADDRINUSE`.
  public var code: Int32
  /// The call that failed, for the message.
  public var operation: String

  /// An error for libuv status `code` returned by `operation`.
  public init(code: Int32, operation: String) {
    self.code = code
    self.operation = operation
  }

  /// libuv's name for the code, for example `"EADDRINUSE"`.
  public var name: String { String(cString: uv_err_name(code)) }

  public var description: String { "\(operation): \(name) (\(String(cString: uv_strerror(code))))" }

  /// Throws if `code` reports a failure.
  static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LibUVError) {
    if code < 0 { throw LibUVError(code: code, operation: operation()) }
  }
}

/// The libuv library this process runs on.
public enum LibUVVersion {
  /// The version string of the linked libuv, for example `"1.44.2"`.
  public static var string: String { String(cString: uv_version_string()) }
}
