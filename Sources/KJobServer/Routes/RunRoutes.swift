import Foundation
import Hummingbird
import KJobCore
import KJobStore
import NIOCore
import ServiceLifecycle

/// `/v1/runs/{id}...`: a run, its log (optionally followed) and cancel.
struct RunRoutes: Sendable {
    let dependencies: APIDependencies
    let configuration: APIConfiguration
    /// Open `?follow=1` streams on this node (`maxFollowStreams`).
    let follows: ConcurrencyLimit

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("runs/{id}") { request, context in try await get(request, context) }
        group.get("runs/{id}/log") { request, context in try await log(request, context) }
        group.post("runs/{id}/cancel") { request, context in try await cancel(request, context) }
    }

    static func runID(_ context: APIRequestContext) throws -> UUID {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text) else {
            throw Problem.badRequest("run id \"\(text.prefix(80))\" is not a UUID", field: "id")
        }
        return id
    }

    func run(_ context: APIRequestContext, _ principal: Principal) async throws -> RunRecord {
        let id = try Self.runID(context)
        guard let run = try await dependencies.runs.get(id: id, tenant: TenantScope.runs(principal)) else {
            throw Problem.notFound("no run \(id.uuidString.lowercased())")
        }
        return run
    }

    func get(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let run = try await run(context, principal)
        let dispatches = try await dependencies.runs.dispatches(runID: run.id)
        return try APIJSON.response(RunBody(run, dispatches: dispatches))
    }

    func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.operator)
        let id = try Self.runID(context)
        guard let result = try await dependencies.runs.cancel(id: id, tenant: TenantScope.runs(principal), requestedBy: principal.tokenName) else {
            throw Problem.notFound("no run \(id.uuidString.lowercased())")
        }
        switch result {
        case .cancelled(let run): return try APIJSON.response(RunBody(run))
        case .requested(let run): return try APIJSON.response(RunBody(run), status: .accepted)
        case .alreadyFinished(let run):
            throw Problem.conflict("run \(run.id.uuidString.lowercased()) already ended (\(run.status)); nothing to cancel")
        }
    }

    /// The captured output as text. `?follow=1` keeps the response open and streams new chunks
    /// until the run ends, `maxFollow` passes or the node shuts down (a stream left open would
    /// hold up the graceful handover); the store is polled every `followPoll`. At most
    /// `maxFollowStreams` follow at once on a node: each one polls the API's pool.
    func log(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let follow: Bool
        switch request.uri.queryParameters.get("follow") {
        case nil, "0", "false": follow = false
        case "1", "true": follow = true
        case let other?: throw Problem.badRequest("follow must be 1 or 0, not \"\(other.prefix(40))\"", field: "follow")
        }
        let run = try await run(context, principal)
        let runs = dependencies.runs
        let batch = 500
        let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if !follow {
            var after = -1
            var buffer = ByteBuffer()
            while true {
                let chunks = try await runs.logChunks(runID: run.id, afterSeq: after, limit: batch)
                for chunk in chunks {
                    buffer.writeBytes(chunk.data)
                    after = chunk.seq
                }
                if chunks.count < batch { break }
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
        guard let permit = follows.tryPermit() else {
            throw Problem(
                .tooManyRequests, code: "too-many-follows", title: "Too many followed logs",
                detail: "this node is already streaming \(follows.limit) followed logs (http.max_follow_streams); "
                    + "retry later, read the log without follow=1, or raise the limit",
                headers: [.retryAfter: "5"])
        }
        let poll = configuration.followPoll
        let deadline = ContinuousClock.now.advanced(by: configuration.maxFollow)
        let logger = context.logger
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                // The slot is held for as long as this body is (also if it is never written).
                _ = permit
                let stop = Observed(false)
                await withGracefulShutdownHandler {
                    var after = -1
                    var finished = false
                    do {
                        while true {
                            let (stopping, version) = stop.snapshot
                            if stopping { break }
                            let chunks = try await runs.logChunks(runID: run.id, afterSeq: after, limit: batch)
                            for chunk in chunks {
                                try await writer.write(ByteBuffer(bytes: chunk.data))
                                after = chunk.seq
                            }
                            if chunks.count == batch { continue }
                            if finished || ContinuousClock.now >= deadline { break }
                            let status = try await runs.status(runID: run.id)
                            if status == nil || (status != "queued" && status != "running") {
                                finished = true  // one more read picks up chunks written just before the end
                                continue
                            }
                            await stop.waitForChange(after: version, until: .now.advanced(by: poll))
                        }
                    } catch is CancellationError {
                    } catch {
                        logger.warning("log follow ended early", metadata: ["run": "\(run.id)", "error": "\(String(reflecting: error))"])
                    }
                } onGracefulShutdown: {
                    stop.set(true)
                }
                try await writer.finish(nil)
            })
    }
}
