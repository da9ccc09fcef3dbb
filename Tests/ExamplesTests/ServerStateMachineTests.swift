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
