# make test is the project's test command (README.md); .ci/run calls it.
GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check fuzz bench clean

all: build

build:
	$(GO) build -o bin/sweep ./cmd/sweep

# vet, formatting, then every test.
test: vet fmt-check
	$(GO) test -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# A few minutes of fuzzing of the sweep-file loader (FUZZTIME=10m for more).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./sweeps -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

# Go benchmarks of the packages (the `sweep bench` commands measure anchors).
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
