/// Where a node keeps its term, vote and log so that they survive a crash.
///
/// ## Contract
/// - **Ordering.** Requests become durable in the order ``persist(_:completion:)`` receives
///   them. A request's entries replace any stored entries from the index of its first entry on
///   (the engine only replaces entries that conflict with the leader's log).
/// - **Durability.** `completion` runs only once the request *and every earlier one* would
///   survive a power loss (for a file store: after fsync). An implementation may sync several
///   requests at once (group commit) and complete them together, in order.
/// - **Atomicity.** After a crash, the recovered state is the state after some prefix of the
///   requests, with each request's entries no newer than its hard state's commit index needs:
///   a request's entries are durable no later than its hard state.
/// - **Threading.** ``recover()`` is called once, before the node starts, on the thread that
///   runs the node. ``persist(_:completion:)`` is called on that thread; `completion` may run on
///   any thread, exactly once per request, and must not block.
public protocol Storage: AnyObject, Sendable {
  /// Reads the durable state, as left by the last completed request.
  func recover() throws -> PersistentState

  /// Makes `request` durable, then calls `completion` (with the error, if the write failed; a
  /// node treats a failed write as fatal, since it can no longer keep its promises).
  func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)
}
