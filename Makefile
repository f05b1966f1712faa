# photon-sim: the two commands of the README are `make run` and `make test`.
# Both install what is missing (Debian packages, the Photon images) first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
RUN_ARGS   ?=

.PHONY: all deps build asan images particle-cli run test test-fast bench clean help

all: build

help:
	@echo "make run      install deps, build, fetch images, boot the default Photon"
	@echo "make test     everything CI runs: unit, firmware, integration, scenarios,"
	@echo "              the ASan+UBSan build of the unit and firmware tests, fuzzers"
	@echo "make build    just build ($(BUILD)/photon-sim)"
	@echo "make images   fetch and verify the Photon images (images/cache)"
	@echo "make particle-cli  install the pinned Particle CLI the tests drive (tools/particle-cli)"
	@echo "make bench    benchmarks (bench/RESULTS.md)"

deps:
	@tools/install-deps

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPHOTON_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)

images:
	@images/fetch

particle-cli:
	@tools/particle-cli/install

run: build images particle-cli
	$(BUILD)/photon-sim run $(RUN_ARGS)

test: build images particle-cli asan
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	cd $(ASAN_BUILD) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -L sanitized

# only the normal build, for quick iterations
test-fast: build images particle-cli
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build images
	bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
