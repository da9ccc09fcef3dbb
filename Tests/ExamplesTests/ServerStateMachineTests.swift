import ExampleSupport
import KeyValueStore
import Raft
import RaftLibUV
import Testing

@testable import ExampleServer

struct ServerStateMachineTests {
  @Test func leaderAddressesLandInTheDirectoryAndServiceEntriesReachTheService() {
    let directory = ClientDirectory()
    var machine = ServerStateMachine(inner: KeyValueStore(), directory: directory)
    let address = SocketAddress(host: "::1", port: 6380)
    #expect(machine.apply(ServerEntry.clientAddress(2, address).encoded, at: 1) == [])
    #expect(directory[2] == address)
    let set = ServerEntry.service(ServiceEntry("SET", "k", "v").encoded).encoded
    #expect(machine.apply(set, at: 2) == Array("+OK\r\n".utf8))
    #expect(machine.query(ServiceEntry("GET", "k")) == Array("$1\r\nv\r\n".utf8))
    #expect(machine.apply([9, 9], at: 3) == Replies.malformedEntry)
  }
}

extension ServerStateMachineTests {
  @Test func aSnapshotCarriesTheDirectoryAndTheServiceState() throws {
    let directory = ClientDirectory()
    var machine = ServerStateMachine(inner: KeyValueStore(), directory: directory)
    _ = machine.apply(ServerEntry.clientAddress(3, SocketAddress(host: "127.0.0.1", port: 6381)).encoded, at: 1)
    _ = machine.apply(
      ServerEntry.service(ServiceEntry(clientID: 1, sequence: 1, "SET", "k", "v").encoded).encoded, at: 2)
    var writer = InMemorySnapshotWriter()
    try machine.writeSnapshot(to: &writer)
    let otherDirectory = ClientDirectory()
    var restored = ServerStateMachine(inner: KeyValueStore(), directory: otherDirectory)
    var reader = InMemorySnapshotReader(writer.bytes)
    try restored.restoreSnapshot(from: &reader)
    #expect(restored.inner == machine.inner)
    #expect(otherDirectory.all == directory.all)
  }
}
