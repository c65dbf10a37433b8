/// The last `capacity` bytes of a stream, in a fixed ring: memory stays at `capacity` however
/// much passes through. Feeds the dispatch body.
public struct OutputTail: Sendable, Hashable {
    public let capacity: Int
    private var ring: [UInt8]
    private var start = 0
    private var count = 0

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
        self.ring = [UInt8](repeating: 0, count: self.capacity)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard capacity > 0, !bytes.isEmpty else { return }
        let kept = bytes.count >= capacity ? UnsafeRawBufferPointer(rebasing: bytes.suffix(capacity)) : bytes
        for byte in kept {
            let end = (start + count) % capacity
            ring[end] = byte
            if count < capacity { count += 1 } else { start = (start + 1) % capacity }
        }
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public var bytes: [UInt8] {
        (0..<count).map { ring[(start + $0) % capacity] }
    }
}
