import Foundation
import KJobCore
import KJobRelay
import NIOHTTP1

/// Decides the answer to each request: admin endpoints, injected faults, then the relay's checks
/// (token, signature, Idempotency-Key, body shape) and deduplication.
struct SinkRequestHandler: Sendable {
    let ledger: SinkLedger
    let token: String?
    let secret: WebhookSecret?

    func handle(_ request: SinkRequest, now: Date = Date()) async -> SinkAction {
        switch (request.method, request.path) {
        case (.GET, "/admin/stats"):
            return .json(200, await ledger.snapshot())
        case (.POST, "/admin/fault"):
            return await setFault(request.body)
        case (.POST, "/v1/dispatch"):
            return await dispatch(request, now: now)
        case (_, "/v1/dispatch"), (_, "/admin/stats"), (_, "/admin/fault"):
            return .problem(405, "method not allowed")
        default:
            return .problem(404, "no such endpoint; the sink serves POST /v1/dispatch, POST /admin/fault, GET /admin/stats")
        }
    }

    func setFault(_ body: Data) async -> SinkAction {
        let fault: SinkFault
        do {
            fault = try JSONDecoder().decode(SinkFault.self, from: body)
            try fault.validate()
        } catch let error as SinkError {
            return .problem(400, error.description)
        } catch {
            return .problem(400, "expected {\"mode\":\"none|status|hang|close\", ...}: \(error)")
        }
        await ledger.setFault(fault)
        return .json(200, fault)
    }

    func dispatch(_ request: SinkRequest, now: Date) async -> SinkAction {
        if case .fault(let fault) = await ledger.admit() {
            switch fault.mode {
            case .none: break
            case .status:
                let headers = fault.retryAfter.map { [("retry-after", $0)] } ?? []
                return .json(fault.status ?? 503, ["status": "injected fault"], extraHeaders: headers)
            case .hang: return .hang(seconds: fault.seconds ?? 0)
            case .close: return .close
            }
        }
        if let token {
            guard request.headers.first(name: "authorization") == "Bearer \(token)" else {
                await ledger.reject()
                return .problem(401, "missing or wrong bearer token")
            }
        }
        var signatureVerified: Bool?
        if let secret {
            let verification = WebhookSignature.verify(
                id: request.headers.first(name: "webhook-id") ?? "",
                timestampHeader: request.headers.first(name: "webhook-timestamp") ?? "",
                signatureHeader: request.headers.first(name: "webhook-signature") ?? "",
                body: request.body, secret: secret, now: now
            )
            guard verification == .valid else {
                await ledger.reject()
                if case .rejected(let reason) = verification { return .problem(401, "bad signature: \(reason)") }
                return .problem(401, "bad signature")
            }
            signatureVerified = true
        }
        guard let key = request.headers.first(name: "idempotency-key"), !key.isEmpty else {
            await ledger.reject()
            return .problem(400, "missing Idempotency-Key header")
        }
        let payload: DispatchPayload
        do {
            payload = try DispatchPayload.decode(fromJSON: request.body)
        } catch {
            await ledger.reject()
            return .problem(400, "body is not a dispatch: \(error)")
        }
        var headers: [String: String] = [:]
        for name in ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature"] {
            if let value = request.headers.first(name: name) { headers[name] = value }
        }
        let record = SinkRecord(
            receivedAt: now.formatted(.iso8601), idempotencyKey: key, headers: headers,
            authenticated: token != nil, signatureVerified: signatureVerified, body: payload
        )
        do {
            switch try await ledger.accept(record) {
            case .accepted: return .json(200, ["status": "accepted"])
            case .duplicate: return .json(200, ["status": "duplicate"])
            }
        } catch {
            return .problem(500, "cannot record the dispatch: \(error)")
        }
    }
}
