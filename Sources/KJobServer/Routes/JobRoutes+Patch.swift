import Foundation
import Hummingbird
import KJobCore
import KJobStore

extension JobRoutes {
    static let mergePatchType = "application/merge-patch+json"
    /// Writes a patch tries when the job changes under it (no `If-Match`, or `*`) before giving up.
    static let patchAttempts = 3

    /// `PATCH /v1/jobs/{slug}` (admin): a JSON merge patch (RFC 7396) of job keys onto the spec in
    /// force, validated like a create. The write is conditional on the version the patch was merged
    /// onto; with `If-Match`, a job at another version answers 412 and nothing changes.
    func patch(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let slug = try Self.slug(context)
        let tenant = try TenantScope.single(principal, request)
        let precondition = try IfMatch(request)
        let mediaType = SpecBody.mediaType(request)
        guard mediaType == Self.mergePatchType else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                detail:
                    "send a JSON merge patch (RFC 7396) of job keys as \(Self.mergePatchType), such as {\"timeout\": \"30m\"}; got \(mediaType.isEmpty ? "no Content-Type" : String(mediaType.prefix(80)))"
            )
        }
        let patch = try await SpecBody.collect(request, limit: configuration.maxBodyBytes)
        for _ in 0..<Self.patchAttempts {
            guard let job = try await dependencies.jobs.get(tenant: tenant, slug: slug) else { throw Self.noJob(slug, tenant) }
            if let precondition, !precondition.matches(job.version) { throw Self.stale(job, precondition) }
            guard let current = job.spec else {
                throw Problem.conflict("the stored spec of job \"\(slug)\" no longer parses, so a patch has nothing to merge onto; replace it with kjob apply")
            }
            let spec: JobSpec
            do {
                spec = try current.applying(mergePatch: patch)
            } catch {
                throw Problem.invalidSpec(error)
            }
            try SpecBody.checkAgainstNode(spec, prefix: JobSpec.tomlFieldPrefix, configuration: configuration)
            switch try await dependencies.jobs.write(tenant: tenant, spec: spec, mode: .update(version: job.version), now: Date(), actor: principal.tokenName) {
            case .updated(let record):
                return try Self.jobResponse(record)
            case .missing:
                throw Self.noJob(slug, tenant)
            case .versionMismatch(let now):
                // Changed between the read and the write: the patch is merged again onto the new
                // version, unless the client asked for the one it saw.
                if let precondition, !precondition.matches(now) {
                    var changed = job
                    changed.version = now
                    throw Self.stale(changed, precondition)
                }
            case .created, .exists:
                throw Problem.conflict("job \"\(slug)\" was replaced while it was patched; retry")
            }
        }
        throw Problem.conflict("job \"\(slug)\" changed \(Self.patchAttempts) times while the patch was applied; send it again")
    }

    /// 412: the job is not at a version `If-Match` lists.
    static func stale(_ job: JobRecord, _ precondition: IfMatch) -> Problem {
        let asked = precondition.versions.isEmpty ? "no version of it" : "version \(precondition.description)"
        return Problem(
            .preconditionFailed, code: "version-mismatch", title: "Precondition failed",
            detail:
                "job \"\(job.slug)\" is at version \(job.version) (ETag \(IfMatch.etag(job.version))), but If-Match asked for \(asked); nothing was changed. GET it again, redo the change on it and send If-Match: \(IfMatch.etag(job.version))",
            headers: [.eTag: IfMatch.etag(job.version)])
    }
}
