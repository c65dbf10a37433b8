import KJobCore

/// The hand-written OpenAPI 3.1 description of the API, served at `/v1/openapi.yaml`.
/// `OpenAPITests` fails when a route is missing here or a path here has no route.
public enum OpenAPIDocument {
    public static let yaml = #"""
        openapi: 3.1.0
        info:
          title: kjob API
          version: 0.1.0
          description: |
            The HTTP API of a kjobd node. Both nodes serve it; all state is in Postgres.
            Authentication: `Authorization: Bearer <token>` (create one with `kjobd token create`).
            Roles: viewer reads; operator also runs, enables, disables, backfills and cancels; admin also
            creates, applies, patches, deletes, restores and manages tokens. A token with a tenant sees only that
            tenant's jobs, runs, audit entries and tokens (another tenant's job is a 404). A token without a tenant
            acts on `?tenant=` (default `default`). Every change is recorded in the audit log
            (`GET /v1/audit`) under the calling token's name.
            `/healthz`, `/readyz`, `/metrics` and this document need no token.
            Errors are `application/problem+json` (RFC 9457) with `errors: [{field, message}]` for
            validation problems.
        servers:
          - url: /
        security:
          - bearer: []
        paths:
          /healthz:
            get:
              summary: Liveness of this node
              security: []
              responses:
                '200': {description: The process answers, content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}}
          /readyz:
            get:
              summary: Readiness (the database is reachable)
              security: []
              responses:
                '200': {description: Ready, content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}}
                '503': {$ref: '#/components/responses/Problem'}
          /metrics:
            get:
              summary: Prometheus metrics of this node
              description: Text exposition 0.0.4 of this node's kjob_* families (lease, runs, fire lateness, spawn, dispatch, backlog, clock skew, HTTP); the README lists each.
              security: []
              responses:
                '200': {description: Prometheus text exposition, content: {text/plain: {schema: {type: string}}}}
          /v1/openapi.yaml:
            get:
              summary: This document
              security: []
              responses:
                '200': {description: OpenAPI 3.1 YAML, content: {application/yaml: {schema: {type: string}}}}
          /v1/jobs:
            get:
              summary: List jobs (viewer), a page at a time in (tenant, slug) order
              description: >-
                Summaries without the spec (GET /v1/jobs/{slug} has it). `next` is the `after` of the
                following page (null on the last): the slug when the listing is one tenant's, TENANT/SLUG
                when it spans every tenant.
              parameters:
                - {$ref: '#/components/parameters/Tenant'}
                - {name: limit, in: query, description: Jobs per page, schema: {type: integer, minimum: 1, maximum: 1000, default: 500}}
                - {name: after, in: query, description: The previous page's next (SLUG or TENANT/SLUG), schema: {type: string}}
              responses:
                '200': {description: Jobs, content: {application/json: {schema: {$ref: '#/components/schemas/JobList'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
            post:
              summary: Create a job (admin); 409 when the slug exists
              parameters: [{$ref: '#/components/parameters/Tenant'}]
              requestBody: {$ref: '#/components/requestBodies/JobSpec'}
              responses:
                '201': {description: Created, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '415': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            get:
              summary: One job with its last run (viewer); its version is the ETag
              responses:
                '200': {description: The job, headers: {ETag: {$ref: '#/components/headers/ETag'}}, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
            put:
              summary: Apply (create or replace) a job (admin); the body's slug must equal the path's
              requestBody: {$ref: '#/components/requestBodies/JobSpec'}
              responses:
                '200': {description: Replaced, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '201': {description: Created, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '415': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
            patch:
              summary: Change some of a job's keys (admin), validated like a create; If-Match makes it conditional on the version
              description: >-
                A JSON merge patch (RFC 7396) of job keys, merged onto the spec in force: a key with a value
                replaces it, `null` removes it (its default applies), `output` is replaced whole; `slug` cannot
                change. Field errors name `job.<key>`. With If-Match (the ETag of GET, `"N"`, or `*`), a job
                at another version answers 412 and nothing changes; the comparison happens under the row
                lock of the write.
              parameters:
                - {name: If-Match, in: header, description: 'The version the change is based on, as its ETag ("3"), or *', schema: {type: string}}
              requestBody:
                required: true
                content:
                  application/merge-patch+json: {schema: {$ref: '#/components/schemas/JobPatch'}}
              responses:
                '200': {description: The patched job, headers: {ETag: {$ref: '#/components/headers/ETag'}}, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '412': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '415': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
            delete:
              summary: Delete a job (admin); soft unless purge=1
              description: >-
                A soft delete: the job leaves listings and scheduling, its slug is free, its runs, logs and
                pending dispatches stay (POST .../restore brings it back). `purge=1` erases the live job
                (or, when there is none, every deleted job of the slug) with its runs, logs and dispatches;
                409 while one of its runs is running.
              parameters:
                - {name: purge, in: query, schema: {type: string, enum: ['0', '1', 'true', 'false']}}
              responses:
                '204': {description: Deleted}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}/enable:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            post:
              summary: Enable a job (operator)
              responses: &jobUpdate
                '200': {description: The job, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}/disable:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            post:
              summary: Pause a job (operator); its fires are recorded as skipped
              description: Records who paused it, when, and the optional note (at most 1 KiB); enable clears them.
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties: {note: {type: [string, 'null'], maxLength: 1024}}
              responses:
                '200': {description: The job, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}/restore:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            post:
              summary: Restore the most recently deleted job of the slug (admin); 409 when a live job has the slug
              responses:
                '200': {description: The restored job, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}/run:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            post:
              summary: Queue a manual run now (operator)
              responses:
                '202': {description: Queued, content: {application/json: {schema: {$ref: '#/components/schemas/Run'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}/runs:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            get:
              summary: A job's runs, newest fire first (viewer)
              parameters:
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 50}}
                - {name: status, in: query, description: Comma-separated statuses, schema: {type: string}}
                - {name: before, in: query, description: Only fires before this RFC 3339 time, schema: {type: string, format: date-time}}
                - {name: since, in: query, description: Only fires at or after this RFC 3339 time, schema: {type: string, format: date-time}}
              responses:
                '200': {description: Runs, content: {application/json: {schema: {$ref: '#/components/schemas/RunList'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/jobs/{slug}/backfill:
            parameters: [{$ref: '#/components/parameters/Slug'}, {$ref: '#/components/parameters/Tenant'}]
            post:
              summary: Queue runs for the schedule's past fires in [from, to) that have none (operator)
              description: >-
                Idempotent (a fire with a run is counted in `existing`). Backfill runs run one at a time per
                job, oldest first, whatever its overlap policy. More than `max` fires in the range is refused
                whole (422, with the count); `to` may not be in the future. `dry_run` creates nothing and
                lists the fires that would get a run. A disabled job is refused (409) unless `dry_run`.
              requestBody:
                required: true
                content:
                  application/json: {schema: {$ref: '#/components/schemas/BackfillRequest'}}
              responses:
                '200': {description: The fires that got (or would get) a run, content: {application/json: {schema: {$ref: '#/components/schemas/Backfill'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '415': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
          /v1/upcoming:
            get:
              summary: The next fires across the live, enabled jobs (viewer), oldest first
              description: >-
                From each job's pending fire and stored schedule; tenant-scoped like GET /v1/jobs.
                `truncated` is true when more than `limit` fires fall within the window.
              parameters:
                - {$ref: '#/components/parameters/Tenant'}
                - {name: within, in: query, description: 'The window from now, a duration such as 90m, 24h or 7d (at most 366d)', schema: {type: string, default: 24h}}
                - {name: limit, in: query, description: Fires at most, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
              responses:
                '200': {description: Fires, content: {application/json: {schema: {$ref: '#/components/schemas/Upcoming'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
          /v1/runs/{id}:
            parameters: [{$ref: '#/components/parameters/RunID'}]
            get:
              summary: One run with its dispatches (viewer)
              responses:
                '200': {description: The run, content: {application/json: {schema: {$ref: '#/components/schemas/Run'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/runs/{id}/log:
            parameters: [{$ref: '#/components/parameters/RunID'}]
            get:
              summary: The run's captured output (viewer); follow=1 streams until the run ends
              description: >-
                With follow=1 the response stays open and streams new output until the run ends, an
                hour passes or the node shuts down (then the client re-follows, e.g. on the other node).
                A node streams at most http.max_follow_streams followed logs at once; beyond that 429.
              parameters:
                - {name: follow, in: query, schema: {type: string, enum: ['0', '1', 'true', 'false']}}
              responses:
                '200': {description: Output, content: {text/plain: {schema: {type: string}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/Problem'}
          /v1/runs/{id}/cancel:
            parameters: [{$ref: '#/components/parameters/RunID'}]
            post:
              summary: Cancel a run (operator); a queued run ends at once, a running one is stopped by its executor
              responses:
                '200': {description: Cancelled, content: {application/json: {schema: {$ref: '#/components/schemas/Run'}}}}
                '202': {description: Cancel requested, content: {application/json: {schema: {$ref: '#/components/schemas/Run'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /v1/audit:
            get:
              summary: The audit log, newest first (viewer), a page at a time
              description: >-
                Every change with its actor (token name; `kjobd` for the daemon; the OS user for
                `kjobd token`), tenant, action, job, run, note and, for updates, the changed fields (never
                secrets). Scoped like /v1/jobs. `next` is the `after` of the following page (null on the last).
              parameters:
                - {$ref: '#/components/parameters/Tenant'}
                - {name: job, in: query, description: Only this job's entries, schema: {type: string, pattern: '^[a-z0-9][a-z0-9-]{0,62}$'}}
                - {name: action, in: query, schema: {type: string, enum: [\#(AuditAction.allCases.map(\.rawValue).joined(separator: ", "))]}}
                - {name: since, in: query, description: Only entries at or after this RFC 3339 time, schema: {type: string, format: date-time}}
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
                - {name: after, in: query, description: The previous page's next, schema: {type: string, pattern: '^[1-9][0-9]{0,17}$'}}
              responses:
                '200': {description: Entries, content: {application/json: {schema: {$ref: '#/components/schemas/AuditList'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
          /v1/tokens:
            get:
              summary: API tokens (admin); never the token or its hash
              parameters: [{$ref: '#/components/parameters/Tenant'}]
              responses:
                '200': {description: Tokens, content: {application/json: {schema: {$ref: '#/components/schemas/TokenList'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Create a token (admin); the answer holds the token, shown only once
              description: A tenant admin creates tokens of its own tenant only. Names are unique and never reused.
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [name, role]
                      additionalProperties: false
                      properties:
                        name: {type: string, pattern: '^[A-Za-z0-9._@-]{1,128}$'}
                        role: {type: string, enum: [viewer, operator, admin]}
                        tenant: {type: [string, 'null'], pattern: '^[a-z0-9][a-z0-9-]{0,62}$'}
                        expires: {type: [string, 'null'], description: 'Lifetime such as 90d (null: never expires)'}
              responses:
                '201': {description: Created, content: {application/json: {schema: {$ref: '#/components/schemas/Token'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
          /v1/tokens/{name}:
            parameters:
              - {name: name, in: path, required: true, schema: {type: string, pattern: '^[A-Za-z0-9._@-]{1,128}$'}}
            delete:
              summary: Revoke a token (admin); refused from the next request on. 404 for an unknown name, 409 for the calling token itself
              responses:
                '200': {description: The revoked token, content: {application/json: {schema: {$ref: '#/components/schemas/Token'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /v1/cluster:
            get:
              summary: Lease holder, epoch and nodes (viewer)
              responses:
                '200': {description: The cluster, content: {application/json: {schema: {$ref: '#/components/schemas/Cluster'}}}}
                '401': {$ref: '#/components/responses/Problem'}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
          parameters:
            Slug: {name: slug, in: path, required: true, schema: {type: string, pattern: '^[a-z0-9][a-z0-9-]{0,62}$'}}
            RunID: {name: id, in: path, required: true, schema: {type: string, format: uuid}}
            Tenant: {name: tenant, in: query, description: Tenant for tokens without one (default "default"), schema: {type: string, pattern: '^[a-z0-9][a-z0-9-]{0,62}$'}}
          headers:
            ETag: {description: 'The job''s version in quotes ("3"); send it back as If-Match', schema: {type: string}}
          requestBodies:
            JobSpec:
              required: true
              description: A job file (`[job]` table) as TOML, or its keys as a JSON object. At most 256 KiB.
              content:
                application/toml: {schema: {type: string}}
                application/json: {schema: {$ref: '#/components/schemas/JobSpec'}}
          responses:
            Problem:
              description: An error
              content:
                application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}
          schemas:
            Health:
              type: object
              properties: {status: {type: string}, node: {type: string}}
            Problem:
              type: object
              required: [type, title, status, detail]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                errors:
                  type: array
                  items:
                    type: object
                    required: [field, message]
                    properties: {field: {type: string}, message: {type: string}, line: {type: integer}, column: {type: integer}}
            JobSpec:
              type: object
              required: [slug, prompt, agent, schedule]
              properties:
                slug: {type: string, pattern: '^[a-z0-9][a-z0-9-]{0,62}$'}
                prompt: {type: string}
                agent: {type: string}
                schedule: {type: string}
                timezone: {type: string}
                sandbox: {type: object}
                output: {type: array, items: {type: object, properties: {channel: {type: string}, on: {type: array, items: {type: string}}}}}
                retries: {type: object}
                timeout: {type: string}
                enabled: {type: boolean}
                overlap: {type: string, enum: [skip, queue, allow, replace]}
                misfire: {type: object}
                env: {type: object, additionalProperties: {type: string}}
                description: {type: string}
            JobPatch:
              description: Job keys to change (a JSON merge patch, RFC 7396); null removes a key
              type: object
              properties:
                slug: {type: [string, 'null']}
                prompt: {type: [string, 'null']}
                agent: {type: [string, 'null']}
                schedule: {type: [string, 'null']}
                timezone: {type: [string, 'null']}
                sandbox: {type: [object, 'null']}
                output: {type: [array, 'null'], items: {type: object}}
                retries: {type: [object, 'null']}
                timeout: {type: [string, 'null']}
                enabled: {type: [boolean, 'null']}
                overlap: {type: [string, 'null']}
                misfire: {type: [object, 'null']}
                env: {type: [object, 'null']}
                description: {type: [string, 'null']}
            BackfillRequest:
              type: object
              required: [from, to]
              additionalProperties: false
              properties:
                from: {type: string, format: date-time, description: First instant of the range (included)}
                to: {type: string, format: date-time, description: End of the range (excluded); not in the future}
                max: {type: integer, minimum: 1, maximum: 1000, default: 100}
                dry_run: {type: boolean, default: false}
            Backfill:
              type: object
              required: [job, tenant, from, to, dry_run, created, existing, fires]
              properties:
                job: {type: string}
                tenant: {type: string}
                from: {type: string, format: date-time}
                to: {type: string, format: date-time}
                dry_run: {type: boolean}
                created: {type: integer, description: Runs created (0 on a dry run)}
                existing: {type: integer, description: Fires in the range that already had a run}
                fires: {type: array, items: {type: string, format: date-time}, description: The fires that got a run (on a dry run, would)}
            Upcoming:
              type: object
              required: [fires, until, truncated]
              properties:
                until: {type: string, format: date-time}
                truncated: {type: boolean}
                fires:
                  type: array
                  items:
                    type: object
                    required: [tenant, slug, scheduled_for, schedule, timezone]
                    properties:
                      tenant: {type: string}
                      slug: {type: string}
                      scheduled_for: {type: string, format: date-time}
                      schedule: {type: string}
                      timezone: {type: string}
            JobFields:
              description: What a job and its list summary share
              type: object
              required: [id, tenant, slug, enabled, schedule, timezone, created_at, updated_at]
              properties:
                id: {type: string, format: uuid}
                tenant: {type: string}
                slug: {type: string}
                enabled: {type: boolean}
                schedule: {type: string}
                timezone: {type: string}
                schedule_description: {type: [string, 'null']}
                next_fire_at: {type: [string, 'null'], format: date-time}
                last_fire_at: {type: [string, 'null'], format: date-time}
                created_at: {type: string, format: date-time}
                updated_at: {type: string, format: date-time}
            Job:
              allOf:
                - {$ref: '#/components/schemas/JobFields'}
                - type: object
                  required: [spec_toml, version]
                  properties:
                    version: {type: integer, description: 'Changes made to the job (1 when created); the ETag'}
                    spec: {oneOf: [{$ref: '#/components/schemas/JobSpec'}, {type: 'null'}]}
                    spec_toml: {type: string}
                    last_run: {oneOf: [{$ref: '#/components/schemas/Run'}, {type: 'null'}]}
                    created_by: {type: [string, 'null'], description: Token that created the job}
                    updated_by: {type: [string, 'null'], description: Token that last replaced it}
                    owner: {type: [string, 'null'], description: Token whose authority the job fires under (null for jobs from before owners)}
                    paused_by: {type: [string, 'null']}
                    paused_at: {type: [string, 'null'], format: date-time}
                    pause_note: {type: [string, 'null']}
                    unauthorized_at: {type: [string, 'null'], format: date-time, description: Since when the owner no longer covers the job (fires skipped unauthorized)}
            JobSummary:
              allOf:
                - {$ref: '#/components/schemas/JobFields'}
                - type: object
                  required: [schedule_description, next_fire_at, last_fire_at, last_run]
                  properties:
                    paused_by: {type: [string, 'null']}
                    paused_at: {type: [string, 'null'], format: date-time}
                    last_run:
                      oneOf:
                        - type: object
                          required: [id, status, scheduled_for, started_at, finished_at]
                          properties:
                            id: {type: string, format: uuid}
                            status: {type: string, enum: [queued, running, succeeded, failed, timed_out, cancelled, lost, skipped]}
                            scheduled_for: {type: string, format: date-time}
                            started_at: {type: [string, 'null'], format: date-time}
                            finished_at: {type: [string, 'null'], format: date-time}
                        - {type: 'null'}
            JobList:
              type: object
              required: [jobs, next]
              properties:
                jobs: {type: array, items: {$ref: '#/components/schemas/JobSummary'}}
                next: {type: [string, 'null'], description: The after of the next page; null on the last page}
            Run:
              type: object
              required: [id, job, tenant, scheduled_for, attempt, status, manual, backfill, queued_at, log_bytes, log_truncated]
              properties:
                id: {type: string, format: uuid}
                job: {type: string}
                tenant: {type: string}
                scheduled_for: {type: string, format: date-time}
                attempt: {type: integer}
                status: {type: string, enum: [queued, running, succeeded, failed, timed_out, cancelled, lost, skipped]}
                reason: {type: [string, 'null']}
                node: {type: [string, 'null']}
                epoch: {type: [integer, 'null']}
                manual: {type: boolean}
                backfill: {type: boolean, description: Created by a backfill (or a retry of one)}
                queued_at: {type: string, format: date-time}
                started_at: {type: [string, 'null'], format: date-time}
                finished_at: {type: [string, 'null'], format: date-time}
                exit_code: {type: [integer, 'null']}
                signal: {type: [integer, 'null']}
                log_bytes: {type: integer}
                log_truncated: {type: boolean}
                cancel_requested_at: {type: [string, 'null'], format: date-time}
                dispatch_status: {type: [string, 'null'], enum: [pending, delivered, failed, dead, null]}
                trigger: {type: string, enum: [schedule, manual, retry, backfill]}
                triggered_by: {type: [string, 'null'], description: Who asked for a manual run}
                dispatches:
                  type: array
                  items:
                    type: object
                    properties:
                      channel: {type: string}
                      status: {type: string}
                      attempts: {type: integer}
                      last_error: {type: [string, 'null']}
                      last_http_status: {type: [integer, 'null']}
                      next_attempt_at: {type: string, format: date-time}
                      delivered_at: {type: [string, 'null'], format: date-time}
            RunList:
              type: object
              required: [runs]
              properties: {runs: {type: array, items: {$ref: '#/components/schemas/Run'}}}
            AuditList:
              type: object
              required: [entries, next]
              properties:
                entries: {type: array, items: {$ref: '#/components/schemas/AuditEntry'}}
                next: {type: [string, 'null'], description: The after of the next page; null on the last page}
            AuditEntry:
              type: object
              required: [id, at, actor, tenant, action, job, run, note, changes]
              properties:
                id: {type: integer}
                at: {type: string, format: date-time}
                actor: {type: string}
                tenant: {type: [string, 'null']}
                action: {type: string}
                job: {type: [string, 'null']}
                run: {type: [string, 'null'], format: uuid}
                note: {type: [string, 'null']}
                changes:
                  type: array
                  items:
                    type: object
                    required: [field, from, to]
                    properties: {field: {type: string}, from: {type: [string, 'null']}, to: {type: [string, 'null']}}
            Token:
              type: object
              required: [name, role, tenant, created_at, last_used_at, expires_at, revoked_at]
              properties:
                name: {type: string}
                role: {type: string, enum: [viewer, operator, admin]}
                tenant: {type: [string, 'null']}
                created_at: {type: string, format: date-time}
                last_used_at: {type: [string, 'null'], format: date-time}
                expires_at: {type: [string, 'null'], format: date-time}
                revoked_at: {type: [string, 'null'], format: date-time}
                token: {type: string, description: Only in the answer to the creation}
            TokenList:
              type: object
              required: [tokens]
              properties: {tokens: {type: array, items: {$ref: '#/components/schemas/Token'}}}
            Cluster:
              type: object
              required: [leader, nodes, now]
              properties:
                now: {type: string, format: date-time}
                leader:
                  type: object
                  required: [node, epoch, since, heartbeat_age_ms]
                  properties:
                    node: {type: [string, 'null']}
                    epoch: {type: integer}
                    since: {type: [string, 'null'], format: date-time}
                    heartbeat_age_ms: {type: [integer, 'null']}
                nodes:
                  type: array
                  items:
                    type: object
                    required: [id, role, last_seen, clock_skew_ms]
                    properties:
                      id: {type: string}
                      role: {type: string, enum: [active, standby, down]}
                      last_seen: {type: string, format: date-time}
                      last_seen_age_ms: {type: integer}
                      clock_skew_ms: {type: [integer, 'null']}
                      epoch: {type: [integer, 'null']}
                      version: {type: string}
                      http_url: {type: [string, 'null']}
        """#
}
