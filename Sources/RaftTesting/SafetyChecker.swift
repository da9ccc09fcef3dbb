import Raft

/// Checks the Raft safety properties (``Invariant``) against what a cluster's nodes report,
/// incrementally, so it can run after every event of a simulation.
///
/// ``Simulation`` feeds it on its own; feed it yourself to check another way of running nodes.
/// Each `record` method costs time proportional to what it reports (new entries, newly
/// committed entries), except ``recordLeader(_:term:entryAt:)``, which scans the entries known
/// committed, and ``verifyLogMatching(_:)``, which scans whole logs.
public struct SafetyChecker: Sendable {
  private struct EntryKey: Hashable {
    var index: LogIndex
    var term: Term
  }

  private struct AppendedEntry {
    var entry: LogEntry
    var previousTerm: Term
    var node: NodeID
  }

  private struct CommittedEntry {
    var entry: LogEntry
    /// The term in which the entry was committed, or an upper bound of it.
    var commitTerm: Term
    var node: NodeID
  }

  private var leaders: [Term: NodeID] = [:]
  /// Every (index, term) any log ever held, with the term before it.
  private var appended: [EntryKey: AppendedEntry] = [:]
  /// Entries known committed, by index - 1.
  private var committed: [CommittedEntry] = []
  /// Entries applied by any node, by index - 1.
  private var applied: [(entry: LogEntry, node: NodeID)] = []
  private var commitIndexes: [NodeID: LogIndex] = [:]
  private var appliedIndexes: [NodeID: LogIndex] = [:]
  /// Entries a proposer applied and so reported committed to its client.
  public private(set) var committedProposals: [LogEntry] = []

  /// A checker that has seen nothing yet.
  public init() {}

  /// The highest index known committed.
  public var highestCommittedIndex: LogIndex { LogIndex(UInt64(committed.count)) }

  /// Reports that `node` became leader of `term`; `entryAt` reads its log.
  /// - Throws: ``Invariant/electionSafety`` if another node led `term`;
  ///   ``Invariant/leaderCompleteness`` if its log lacks an entry committed in an earlier term.
  public mutating func recordLeader(_ node: NodeID, term: Term, entryAt: (LogIndex) -> LogEntry?)
    throws(InvariantViolation)
  {
    if let other = leaders[term], other != node {
      throw InvariantViolation(.electionSafety, "n\(node) and n\(other) both became leader in term \(term)")
    }
    leaders[term] = node
    for known in committed where known.commitTerm < term {
      let held = entryAt(known.entry.index)
      guard held == known.entry else {
        throw InvariantViolation(
          .leaderCompleteness,
          "n\(node) became leader of term \(term) holding \(describe(held)) at \(known.entry.index), but"
            + " \(known.entry) was committed (seen on n\(known.node) in term \(known.commitTerm))")
      }
    }
  }

  /// Reports that `node` wrote `entries` to its log, right after an entry of `previousTerm`.
  /// - Throws: ``Invariant/logMatching`` if another log holds an entry with the same index and
  ///   term but another content or another term before it.
  public mutating func recordAppended(
    _ entries: some Collection<LogEntry>, after previousTerm: Term, on node: NodeID
  ) throws(InvariantViolation) {
    var previous = previousTerm
    for entry in entries {
      let key = EntryKey(index: entry.index, term: entry.term)
      if let known = appended[key] {
        guard known.entry == entry, known.previousTerm == previous else {
          throw InvariantViolation(
            .logMatching,
            "n\(node) holds \(entry) after an entry of term \(previous), but n\(known.node) holds"
              + " \(known.entry) after an entry of term \(known.previousTerm)")
        }
      } else {
        appended[key] = AppendedEntry(entry: entry, previousTerm: previous, node: node)
      }
      previous = entry.term
    }
  }

  /// Reports `node`'s commit index. `leaderTerm` is its term if it leads (it commits in that
  /// term), nil if it follows; `term` is its current term; `entryAt` reads its log.
  /// - Throws: ``Invariant/commitMonotonicity`` if the index moved back;
  ///   ``Invariant/currentTermCommit`` if a leader moved it to an entry of an earlier term;
  ///   ``Invariant/stateMachineSafety`` if it commits an entry other than one known committed.
  public mutating func recordCommitIndex(
    _ commitIndex: LogIndex, on node: NodeID, leaderTerm: Term?, term: Term, entryAt: (LogIndex) -> LogEntry?
  ) throws(InvariantViolation) {
    let previous = commitIndexes[node] ?? .zero
    guard commitIndex >= previous else {
      throw InvariantViolation(
        .commitMonotonicity, "n\(node)'s commit index moved back from \(previous) to \(commitIndex)")
    }
    guard commitIndex > previous else { return }
    commitIndexes[node] = commitIndex
    if let leaderTerm, let last = entryAt(commitIndex), last.term != leaderTerm {
      throw InvariantViolation(
        .currentTermCommit, "n\(node), leader of term \(leaderTerm), committed through \(last), of an earlier term")
    }
    for index in (previous + 1)...commitIndex {
      guard let entry = entryAt(index) else {
        throw InvariantViolation(
          .stateMachineSafety, "n\(node) committed index \(index), which its log does not hold")
      }
      let offset = Int(index.rawValue) - 1
      if offset < committed.count {
        let known = committed[offset]
        guard known.entry == entry else {
          throw InvariantViolation(
            .stateMachineSafety, "n\(node) committed \(entry), but n\(known.node) committed \(known.entry)")
        }
      } else {
        // Only a leader commits on its own, in its current term; a follower learned of the commit
        // from a leader whose term is at most its own.
        committed.append(CommittedEntry(entry: entry, commitTerm: leaderTerm ?? term, node: node))
      }
    }
  }

  /// The entry known committed at `index`, if one is.
  public func committedEntry(at index: LogIndex) -> LogEntry? {
    let offset = Int(index.rawValue) - 1
    return offset >= 0 && offset < committed.count ? committed[offset].entry : nil
  }

  /// Checks that an entry just known committed is durable on a majority of a cluster of
  /// `clusterSize`: `durableNodes` are the nodes whose durable log holds it.
  /// - Throws: ``Invariant/commitDurability`` if fewer than a majority do.
  public func verifyDurableQuorum(for entry: LogEntry, durableNodes: [NodeID], clusterSize: Int)
    throws(InvariantViolation)
  {
    guard durableNodes.count >= clusterSize / 2 + 1 else {
      let holders = durableNodes.isEmpty ? "no node" : durableNodes.map { "n\($0)" }.joined(separator: ", ")
      throw InvariantViolation(
        .commitDurability, "\(entry) is committed but durable only on \(holders) of \(clusterSize) nodes")
    }
  }

  /// Reports that `node` restarted from durable state whose commit index was `recoveredCommitIndex`
  /// and now has commit index `commitIndex`. Its commit and apply history start over.
  /// - Throws: ``Invariant/commitMonotonicity`` if it restarted below its durable commit index.
  public mutating func recordRestart(of node: NodeID, recoveredCommitIndex: LogIndex, commitIndex: LogIndex)
    throws(InvariantViolation)
  {
    commitIndexes[node] = nil
    appliedIndexes[node] = nil
    guard commitIndex >= recoveredCommitIndex else {
      throw InvariantViolation(
        .commitMonotonicity,
        "n\(node) restarted with commit index \(commitIndex), below its durable \(recoveredCommitIndex)")
    }
  }

  /// Reports that `node` applied `entry` (commands and internal entries alike).
  /// - Throws: ``Invariant/applyOrder`` if it skipped or repeated an index;
  ///   ``Invariant/stateMachineSafety`` if another node applied another entry at that index.
  public mutating func recordApplied(_ entry: LogEntry, on node: NodeID) throws(InvariantViolation) {
    let expected = (appliedIndexes[node] ?? .zero) + 1
    guard entry.index == expected else {
      throw InvariantViolation(.applyOrder, "n\(node) applied \(entry) when index \(expected) was next")
    }
    appliedIndexes[node] = entry.index
    let offset = Int(entry.index.rawValue) - 1
    if offset < applied.count {
      let known = applied[offset]
      guard known.entry == entry else {
        throw InvariantViolation(
          .stateMachineSafety, "n\(node) applied \(entry), but n\(known.node) applied \(known.entry)")
      }
    } else {
      applied.append((entry, node))
    }
  }

  /// Reports that `node` restored its state machine from a snapshot covering every index
  /// through `index`, as if it had applied them.
  /// - Throws: ``Invariant/stateMachineSafety`` if the snapshot covers an index not known
  ///   committed; ``Invariant/applyOrder`` if it would take the node's state back.
  public mutating func recordSnapshotRestore(through index: LogIndex, on node: NodeID) throws(InvariantViolation) {
    guard index <= highestCommittedIndex else {
      throw InvariantViolation(
        .stateMachineSafety,
        "n\(node) restored a snapshot through \(index), past the highest index known committed (\(highestCommittedIndex))"
      )
    }
    let previous = appliedIndexes[node] ?? .zero
    guard index >= previous else {
      throw InvariantViolation(.applyOrder, "n\(node) restored a snapshot through \(index) after applying \(previous)")
    }
    appliedIndexes[node] = index
  }

  /// Reports that a client was told `entry` committed (its proposer applied it), so it must
  /// never be lost.
  public mutating func recordCommittedProposal(_ entry: LogEntry) {
    committedProposals.append(entry)
  }

  /// Checks that each of `nodes` applied every proposal reported committed, at its index;
  /// `appliedEntry` reads what a node applied at an index in its current lifetime.
  /// - Throws: ``Invariant/committedProposalsKept`` naming the first one missing.
  public func verifyCommittedProposals(on nodes: [NodeID], appliedEntry: (NodeID, LogIndex) -> LogEntry?)
    throws(InvariantViolation)
  {
    for proposal in committedProposals {
      for node in nodes {
        let held = appliedEntry(node, proposal.index)
        guard held == proposal else {
          throw InvariantViolation(
            .committedProposalsKept,
            "\(proposal) was reported committed, but n\(node) applied \(describe(held)) at \(proposal.index)")
        }
      }
    }
  }

  /// Scans whole logs pairwise: wherever two logs hold entries of the same term at one index,
  /// they must be identical up to there.
  /// - Throws: ``Invariant/logMatching`` naming the first pair that differs.
  public static func verifyLogMatching(_ logs: [(node: NodeID, entries: ArraySlice<LogEntry>)])
    throws(InvariantViolation)
  {
    for (position, first) in logs.enumerated() {
      for second in logs[(position + 1)...] {
        try verifyLogMatching(first, second)
      }
    }
  }

  private static func verifyLogMatching(
    _ a: (node: NodeID, entries: ArraySlice<LogEntry>), _ b: (node: NodeID, entries: ArraySlice<LogEntry>)
  ) throws(InvariantViolation) {
    // Logs compacted behind snapshots start at different indexes: compare where both hold entries.
    guard let aFirst = a.entries.first?.index, let bFirst = b.entries.first?.index else { return }
    let start = max(aFirst, bFirst)
    let aOffset = a.entries.startIndex + aFirst.distance(to: start)
    let bOffset = b.entries.startIndex + bFirst.distance(to: start)
    let common = min(a.entries.endIndex - aOffset, b.entries.endIndex - bOffset)
    guard common > 0 else { return }
    var matchingLength = 0
    for offset in stride(from: common - 1, through: 0, by: -1)
    where a.entries[aOffset + offset].term == b.entries[bOffset + offset].term {
      matchingLength = offset + 1
      break
    }
    for offset in 0..<matchingLength {
      let left = a.entries[aOffset + offset]
      let right = b.entries[bOffset + offset]
      guard left == right else {
        let last = a.entries[aOffset + matchingLength - 1]
        throw InvariantViolation(
          .logMatching,
          "n\(a.node) and n\(b.node) both hold an entry of term \(last.term) at \(last.index), but differ"
            + " before it: \(left) vs \(right)")
      }
    }
  }
}

private func describe(_ entry: LogEntry?) -> String { entry.map(String.init(describing:)) ?? "nothing" }
