# kjob — the two commands are `make run` and `make test`.
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: all deps build release test run bench drill drill-ci clean fuzz-api lint format

all: build

deps:
	@scripts/ensure-deps

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

## Every test against a real PostgreSQL that the script starts and stops itself.
test: deps
	@scripts/test

## A local demo: grows to the whole local pair (see README).
run: deps
	@scripts/run

## Failover drills against the local pair (DRILL_SHORT=1: CI size; KJOB_DRILL_LXC=1: LXC nodes).
drill: deps
	@scripts/drill

## The short drill `make test` ends with (kill9, cutoff, graceful, relay-outage; slack x3), on the debug build.
drill-ci: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@scripts/drill --ci

## Benchmarks; writes BENCHMARKS.md.
bench: deps
	@scripts/bench

## swift format lint over Sources and Tests (.swift-format); make test runs it.
lint:
	@scripts/lint

## Rewrites Sources and Tests to the project's format.
format:
	@scripts/lint --fix

clean:
	rm -rf .build .run

## schemathesis against a live node's /v1/openapi.yaml: no 5xx, no schema violations.
fuzz-api: deps
	@scripts/fuzz-api
