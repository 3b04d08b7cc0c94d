# make demo runs the demo sweep; make test is the project's test command
# (README.md), which .ci/run calls.
GO ?= go
PKGS := ./...

.PHONY: all build demo test vet fmt-check fuzz bench clean

all: build

# bin/sweep, with OpenBLAS for the Go trainer when libopenblas-dev is
# installed (as root, scripts/deps installs it and a C compiler).
build:
	@GO='$(GO)' scripts/build

# The demo sweep end to end: pretrain the base model (cached), run the
# trials that have not succeeded, write runs/demo/report/ and print its
# headline table.
demo: build
	bin/sweep run examples/demo.yaml
	bin/sweep report examples/demo.yaml

# The whole test suite: installs the Debian packages it uses (as root),
# starts the one-node Slurm cluster, then vet, formatting and every test.
test:
	GO='$(GO)' scripts/test

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
