import Testing

@testable import RaftLibUV

@Suite("libuv link")
struct LibUVLinkTests {
  @Test("libuv is linked and reports a 1.x version")
  func linked() {
    #expect(LibUVVersion.string.hasPrefix("1."))
  }
}
