import RaftLibUV

#if canImport(Glibc)
  import Glibc
#endif

/// Parses `host:port` (`[v6]:port` for IPv6). `localhost` means 127.0.0.1; other names are
/// refused, since the transport never resolves names.
func parseAddress(_ text: String, option: String) throws(ServerSetupError) -> SocketAddress {
  var host: Substring
  let portText: Substring
  if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
    host = text[text.index(after: text.startIndex)..<close]
    let rest = text[text.index(after: close)...]
    guard rest.hasPrefix(":") else { throw ServerSetupError("\(option) '\(text)': expected [host]:port") }
    portText = rest.dropFirst()
  } else {
    guard let colon = text.lastIndex(of: ":") else { throw ServerSetupError("\(option) '\(text)': expected host:port") }
    host = text[..<colon]
    portText = text[text.index(after: colon)...]
  }
  if host == "localhost" { host = "127.0.0.1" }
  guard let port = UInt16(portText) else {
    throw ServerSetupError("\(option) '\(text)': '\(portText)' is not a port number (0-65535)")
  }
  guard isIPLiteral(String(host)) else {
    throw ServerSetupError("\(option) '\(text)': '\(host)' is not an IP address (names are not resolved)")
  }
  return SocketAddress(host: String(host), port: port)
}

/// Parses `id=host:port`.
func parsePeer(_ text: String) throws(ServerSetupError) -> (UInt64, SocketAddress) {
  guard let equals = text.firstIndex(of: "=") else {
    throw ServerSetupError("--peer '\(text)': expected id=host:port, for example 2=127.0.0.1:7002")
  }
  guard let id = UInt64(text[..<equals]), id > 0 else {
    throw ServerSetupError("--peer '\(text)': '\(text[..<equals])' is not a node id (a positive integer)")
  }
  return (id, try parseAddress(String(text[text.index(after: equals)...]), option: "--peer"))
}

private func isIPLiteral(_ host: String) -> Bool {
  var buffer = [UInt8](repeating: 0, count: 16)
  return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
}
