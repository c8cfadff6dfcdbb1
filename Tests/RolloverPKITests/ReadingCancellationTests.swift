import Foundation
import Synchronization
import Testing
@testable import RolloverPKI

/// Issue 16: the server reads uploads on its own executor with a deadline, so reading must stop between
/// blocks and bags, and inside the long derivation loops Rollover runs itself, when asked.
@Suite("Stopping a read")
struct ReadingCancellationTests {
    static let encryptedBlock: String = {
        let algorithm = HostileDER.pbes2PBKDF2(iterations: 1_000, keyLength: 32)
        return HostileDER.pem(HostileDER.encryptedPrivateKeyInfo(algorithm: algorithm), label: "ENCRYPTED PRIVATE KEY")
    }()

    @Test("a read asked to stop after the first block stops there, and says so for this file and the next")
    func stopsBetweenBlocks() {
        let asked = Mutex(0)
        let file = Array(String(repeating: Self.encryptedBlock, count: 5).utf8)
        let contents = FileReader.read(
            [InputFile(name: "a.pem", bytes: file), InputFile(name: "b.pem", bytes: file)], password: Password("pw"),
            shouldStop: { asked.withLock { count in count += 1; return count > 2 } })
        // Asked before the first block and before its derivation, then stopped before the second block.
        #expect(contents[0].stopped && contents[1].stopped)
        #expect(contents[0].problems.map(\.code) == [.wrongPassword, .unsupportedFormat])
        #expect(contents[0].problems.last?.message.contains("reading was stopped before the end") == true)
        #expect(contents[1].problems.map(\.code) == [.unsupportedFormat])
        #expect(asked.withLock { $0 } == 3, "nothing is asked once stopped")
    }

    @Test("a read whose deadline has passed reads nothing")
    func pastDeadline() {
        let contents = FileReader.read(
            [InputFile(name: "a.pem", bytes: Array(Self.encryptedBlock.utf8))], password: Password("pw"),
            deadline: .now - .seconds(1))
        #expect(contents[0].stopped)
        #expect(contents[0].problems.map(\.code) == [.unsupportedFormat])
    }

    @Test("a read in a cancelled task stops without being told how")
    func cancelledTask() async {
        let bytes = Array(Self.encryptedBlock.utf8)
        let task = Task { () -> FileContents in
            while !Task.isCancelled { await Task.yield() }
            return FileReader.read(bytes, name: "a.pem", password: Password("pw"))
        }
        task.cancel()
        let contents = await task.value
        #expect(contents.stopped)
        #expect(contents.problems.first?.message.contains("reading was stopped") == true)
    }

    @Test("a PKCS#12 derivation of 2,000,000 rounds stops inside its loop at the deadline, well under 5 s")
    func stopsInsideTheDerivationLoop() {
        // The PKCS#12 KDF is Rollover's own loop: 6,000,000 SHA-1 rounds for a 3DES key and IV take seconds in a
        // debug build; the deadline passes during the first of them.
        let file = HostileDER.pkcs12(shroudedKeyBags: 1, algorithm: HostileDER.pkcs12TripleDES(iterations: 2_000_000))
        let started = Date()
        let contents = FileReader.read(
            [InputFile(name: "slow.p12", bytes: file)], password: Password("pw"), deadline: .now + .milliseconds(20))
        let elapsed = Date().timeIntervalSince(started)
        #expect(contents[0].stopped)
        #expect(contents[0].problems.map(\.code) == [.unsupportedFormat], "\(contents[0].problems)")
        #expect(elapsed < 5, "took \(elapsed) s")
    }
}
