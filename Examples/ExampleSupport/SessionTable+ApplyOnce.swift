extension SessionTable {
  /// Applies the write carried by `entry` to `machine` once per session request: a retry of a
  /// request already applied gets its first response back and leaves `machine` untouched.
  ///
  /// - Parameters:
  ///   - entry: the log entry, carrying the client id, sequence number and leader timestamp.
  ///   - machine: the state machine holding the session table.
  ///   - sessions: where `machine` keeps its ``SessionTable`` (a key path formed inside the
  ///     machine's type can reach a private property).
  ///   - write: the write itself; its result is the response remembered for retries.
  public static func applyOnce<Machine>(
    _ entry: ServiceEntry, to machine: inout Machine, sessions: WritableKeyPath<Machine, SessionTable>,
    write: (inout Machine) -> [UInt8]
  ) -> [UInt8] {
    if let previous = machine[keyPath: sessions].previousResponse(clientID: entry.clientID, sequence: entry.sequence) {
      return previous
    }
    let response = write(&machine)
    machine[keyPath: sessions].record(
      clientID: entry.clientID, sequence: entry.sequence, response: response, now: entry.timestampMilliseconds)
    return response
  }
}
