// The testable part of the local-cluster plugin: what to start, with which flags, where.
// This file imports nothing beyond the standard library so that the test target
// `LocalClusterPlanTests` can compile it too (through a symlink), since plugin code can't be
// linked into a test.

/// What `swift package local-cluster` was asked to start, resolved into one command line per node.
struct ClusterPlan: Equatable {
  /// One process of the cluster.
  struct Node: Equatable {
    var id: Int
    var peerPort: Int
    var clientPort: Int
    /// Where the node keeps its file storage, relative to the package directory.
    var dataDirectory: String
    /// Where the node's standard output and error go, relative to the package directory.
    var logFile: String
    /// The example's command line, without the executable.
    var arguments: [String]
  }

  /// The example's executable product, e.g. `raft-kv`.
  var product: String
  var host: String
  var nodes: [Node]
  /// Build the product in release mode rather than debug.
  var release: Bool
  /// Remove the nodes' data directories before starting.
  var clean: Bool
  /// Where data directories and logs live, relative to the package directory.
  var workDirectory: String

  /// Every way the plugin's command line can be wrong, each with a message that says how to fix it.
  enum ParseError: Error, Equatable, CustomStringConvertible {
    case missingProduct
    case unknownOption(String)
    case missingValue(option: String)
    case invalidValue(option: String, value: String, expected: String)
    case unexpectedArgument(String)
    case portOutOfRange(Int)

    var description: String {
      switch self {
      case .missingProduct:
        return "name the example to run, e.g. `swift package --disable-sandbox local-cluster raft-kv --nodes 3`"
      case .unknownOption(let option): return "unknown option \(option); see --help"
      case .missingValue(let option): return "\(option) needs a value"
      case .invalidValue(let option, let value, let expected):
        return "\(option) \(value): expected \(expected)"
      case .unexpectedArgument(let argument): return "unexpected argument \(argument); only one example can be started"
      case .portOutOfRange(let port): return "port \(port) is out of range 1...65535"
      }
    }
  }

  static let usage = """
    USAGE: swift package --disable-sandbox local-cluster <example> [options] [-- <extra example flags>]

    Builds <example> (an executable product such as raft-kv, raft-counter or raft-lock), starts
    one process per node on loopback and stops them all on Ctrl-C.

    OPTIONS:
      --nodes N              cluster size, 1 to 9 (default 3)
      --client-port P        node i serves clients on P + i - 1 (default 6379)
      --peer-port P          node i accepts Raft peers on P + i - 1 (default 7001)
      --host H               address every node binds (default 127.0.0.1)
      --storage file|memory  file keeps each node's data in .build/local-cluster/<example>/node<i>
                             (default file)
      --transport tcp|memory passed through to the example when given
      --backtracking decrement|conflict-hint  passed through when given
      --release              build and run the release configuration
      --clean                delete the nodes' data directories first
      -h, --help             show this help
    """

  /// Parses the plugin's arguments.
  /// - Returns: nil when help was asked for.
  static func parse(_ arguments: [String]) throws(ParseError) -> ClusterPlan? {
    var product: String?
    var nodeCount = 3
    var clientBase = 6379
    var peerBase = 7001
    var host = "127.0.0.1"
    var storage = "file"
    var passThrough: [String] = []
    var extra: [String] = []
    var release = false
    var clean = false

    var rest = arguments[...]
    func value(_ option: String) throws(ParseError) -> String {
      guard let next = rest.popFirst(), !next.hasPrefix("--") else { throw .missingValue(option: option) }
      return next
    }
    func integer(_ option: String, in range: ClosedRange<Int>, expected: String) throws(ParseError) -> Int {
      let text = try value(option)
      guard let number = Int(text), range.contains(number) else {
        throw .invalidValue(option: option, value: text, expected: expected)
      }
      return number
    }
    while let argument = rest.popFirst() {
      switch argument {
      case "-h", "--help": return nil
      case "--nodes": nodeCount = try integer(argument, in: 1...9, expected: "a cluster size from 1 to 9")
      case "--client-port": clientBase = try integer(argument, in: 1...65535, expected: "a port")
      case "--peer-port": peerBase = try integer(argument, in: 1...65535, expected: "a port")
      case "--host": host = try value(argument)
      case "--storage":
        storage = try value(argument)
        guard storage == "file" || storage == "memory" else {
          throw .invalidValue(option: argument, value: storage, expected: "file or memory")
        }
      case "--transport", "--backtracking": passThrough += [argument, try value(argument)]
      case "--release": release = true
      case "--clean": clean = true
      case "--":
        extra = Array(rest)
        rest = []
      default:
        if argument.hasPrefix("-") { throw .unknownOption(argument) }
        guard product == nil else { throw .unexpectedArgument(argument) }
        product = argument
      }
    }
    guard let product else { throw .missingProduct }
    for port in [clientBase + nodeCount - 1, peerBase + nodeCount - 1] where port > 65535 {
      throw .portOutOfRange(port)
    }

    let workDirectory = ".build/local-cluster/\(product)"
    let ids = Array(1...nodeCount)
    let nodes = ids.map { id in
      let peerPort = peerBase + id - 1
      let dataDirectory = "\(workDirectory)/node\(id)"
      var flags = ["--id", "\(id)", "--listen", "\(host):\(peerPort)", "--client", "\(host):\(clientBase + id - 1)"]
      for peer in ids where peer != id { flags += ["--peer", "\(peer)=\(host):\(peerBase + peer - 1)"] }
      flags += ["--storage", storage]
      if storage == "file" { flags += ["--data-dir", dataDirectory] }
      return Node(
        id: id, peerPort: peerPort, clientPort: clientBase + id - 1, dataDirectory: dataDirectory,
        logFile: "\(workDirectory)/node\(id).log", arguments: flags + passThrough + extra)
    }
    return ClusterPlan(
      product: product, host: host, nodes: nodes, release: release, clean: clean, workDirectory: workDirectory)
  }
}
