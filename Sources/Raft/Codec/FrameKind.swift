/// The kind byte of a frame: which body follows the header.
///
/// Values 1–63 are Raft messages (one per ``MessageBody`` case), 64–127 are connection control
/// frames. Values are never reused: a retired kind keeps its number so old peers fail cleanly.
/// To add a message kind: add a case here, a ``WireBody`` conformance for its body, and one
/// line in each switch of `MessageBody+Wire.swift`.
public enum FrameKind: UInt8, Sendable, CaseIterable {
  case voteRequest = 1
  case voteResponse = 2
  case appendEntries = 3
  case appendResponse = 4
  case heartbeat = 5
  case heartbeatResponse = 6
  // Reads, forwarding and leadership transfer start at 16, leaving 7–15 to the snapshot kinds.
  case readIndex = 16
  case readIndexResponse = 17
  case forwardedProposals = 18
  case forwardedProposalsResponse = 19
  case timeoutNow = 20
  case installSnapshot = 7
  case snapshotResponse = 8

  /// The first frame on a connection: who is calling, for which cluster (see ``Handshake``).
  case handshake = 64
}
