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
    Roles: viewer reads; operator also runs, enables, disables and cancels; admin also creates,
    applies and deletes. A token with a tenant sees only that tenant's jobs and runs (another
    tenant's job is a 404). A token without a tenant acts on `?tenant=` (default `default`).
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
      summary: One job with its last run (viewer)
      responses:
        '200': {description: The job, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
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
    delete:
      summary: Delete a job with its runs and logs (admin)
      responses:
        '204': {description: Deleted}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
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
      summary: Disable a job (operator); its fires are recorded as skipped
      responses: *jobUpdate
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
          required: [spec_toml]
          properties:
            spec: {oneOf: [{$ref: '#/components/schemas/JobSpec'}, {type: 'null'}]}
            spec_toml: {type: string}
            last_run: {oneOf: [{$ref: '#/components/schemas/Run'}, {type: 'null'}]}
    JobSummary:
      allOf:
        - {$ref: '#/components/schemas/JobFields'}
        - type: object
          required: [schedule_description, next_fire_at, last_fire_at, last_run]
          properties:
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
      required: [id, job, tenant, scheduled_for, attempt, status, manual, queued_at, log_bytes, log_truncated]
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
        queued_at: {type: string, format: date-time}
        started_at: {type: [string, 'null'], format: date-time}
        finished_at: {type: [string, 'null'], format: date-time}
        exit_code: {type: [integer, 'null']}
        signal: {type: [integer, 'null']}
        log_bytes: {type: integer}
        log_truncated: {type: boolean}
        cancel_requested_at: {type: [string, 'null'], format: date-time}
        dispatch_status: {type: [string, 'null'], enum: [pending, delivered, failed, dead, null]}
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
