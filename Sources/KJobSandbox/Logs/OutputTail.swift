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
        if bytes.count >= capacity {
            ring.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.suffix(capacity))) }
            start = 0
            count = capacity
            return
        }
        // Write at the end of the ring, in at most two pieces, then drop what was overwritten.
        let end = (start + count) % capacity
        let first = min(bytes.count, capacity - end)
        ring.withUnsafeMutableBytes { ring in
            UnsafeMutableRawBufferPointer(rebasing: ring[end..<(end + first)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<first]))
            if first < bytes.count {
                UnsafeMutableRawBufferPointer(rebasing: ring[0..<(bytes.count - first)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[first...]))
            }
        }
        let overflow = max(0, count + bytes.count - capacity)
        count = min(capacity, count + bytes.count)
        start = (start + overflow) % capacity
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public var bytes: [UInt8] {
        guard count > 0 else { return [] }
        let first = min(count, capacity - start)
        return Array(ring[start..<(start + first)]) + Array(ring[0..<(count - first)])
    }
}
