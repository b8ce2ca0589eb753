import Testing
import Foundation
@testable import TallyWire

@Suite struct MessageCorpusCheckTests {
    @Test func seeds() throws {
        let dir = "/work/main/fuzz/corpus/fuzz-message"
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
            let mode = data[0]
            var rest = Array(data.dropFirst())
            var result = ""
            if mode & 0x80 == 0 {
                let i = Int(mode) % 19
                if i == 18 {
                    result = "\(Result { () throws(MessageError) in try DiscoveryAnnouncement(decoding: rest, network: .main) })"
                } else {
                    result = "\(Result { () throws(MessageError) in try MessageCodec.decodePayload(command: MessageCodec.knownCommands[i], payload: rest).command })"
                }
            } else {
                let codec = MessageCodec(network: mode & 1 == 0 ? .main : .regtest)
                _ = rest
                var offset = 0
                while true {
                    do {
                        guard let f = try codec.decodeFrame(rest, at: offset) else { result += " nil"; break }
                        result += " " + f.message.command; offset += f.byteCount
                    } catch { result += " \(error)"; break }
                }
                rest = []
            }
            print("SEED \(name): \(result)")
        }
    }
}
