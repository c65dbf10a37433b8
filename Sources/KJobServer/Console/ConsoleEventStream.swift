import Hummingbird
import KJobCore
import Logging
import NIOCore
import ServiceLifecycle

/// A `text/event-stream` response that asks `next` for events every `poll` until `next` says the
/// stream is over, `maxDuration` passes or the node shuts down (an open stream must not hold up a
/// graceful handover; the browser reconnects, to whichever node answers). It holds one of the
/// node's follow slots (`http.max_follow_streams`) while open.
struct ConsoleEventStream<State: Sendable>: Sendable {
    struct Step: Sendable {
        var events: [ConsoleEvent]
        var done: Bool
    }

    var poll: Duration
    var maxDuration: Duration
    var initial: State
    var next: @Sendable (inout State) async throws -> Step

    func response(permit: ConcurrencyLimit.Permit, logger: Logger) -> Response {
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
        let stream = self
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                _ = permit
                let stop = Observed(false)
                let deadline = ContinuousClock.now.advanced(by: stream.maxDuration)
                await withGracefulShutdownHandler {
                    var state = stream.initial
                    do {
                        // Tells the browser how soon to reconnect once this stream ends.
                        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                        while true {
                            let (stopping, version) = stop.snapshot
                            if stopping || ContinuousClock.now >= deadline { break }
                            let step = try await stream.next(&state)
                            if !step.events.isEmpty {
                                try await writer.write(ByteBuffer(string: step.events.map(\.wireText).joined()))
                            }
                            if step.done {
                                try await writer.write(ByteBuffer(string: ConsoleEvent.end.wireText))
                                break
                            }
                            await stop.waitForChange(after: version, until: .now.advanced(by: stream.poll))
                        }
                    } catch is CancellationError {
                    } catch {
                        logger.debug("console event stream ended early", metadata: ["error": "\(String(reflecting: error))"])
                    }
                } onGracefulShutdown: {
                    stop.set(true)
                }
                try? await writer.finish(nil)
            })
    }
}
