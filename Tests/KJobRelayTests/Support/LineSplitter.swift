import Foundation
import Synchronization

/// Cuts a byte stream into lines; the readability handler runs on arbitrary threads.
final class LineSplitter: Sendable {
    private let buffer = Mutex(Data())

    func append(_ chunk: Data) -> [String] {
        buffer.withLock { buffer in
            buffer.append(chunk)
            var lines: [String] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex...newline)
            }
            return lines
        }
    }
}
