# photon-sim: the two commands of the README are `make run` and `make test`.
# Both install what is missing (Debian packages, the Photon images) first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
# The second CPU engine: the system's Unicorn (bookworm: 2.0.1) while the
# default build runs the project-local 2.1.1 (tools/fetch-unicorn). Built and
# tested by `make test` only when the system's Unicorn is older than 2.1.
SYSTEM_BUILD ?= build-unicorn-system
OLD_SYSTEM_UNICORN = ! pkg-config --atleast-version=2.1 unicorn
JOBS       ?= $(shell nproc)
RUN_ARGS   ?=

.PHONY: all deps build asan system-engine images particle-cli run test test-fast bench clean help

all: build

help:
	@echo "make run      install deps, build, fetch images, boot the default Photon"
	@echo "make test     everything CI runs: unit, firmware, integration, scenarios,"
	@echo "              fuzzers; the same but the fuzzers on the system's Unicorn 2.0.1"
	@echo "              ($(SYSTEM_BUILD)), with a cross-engine identity check; the"
	@echo "              ASan+UBSan build of the unit and firmware tests"
	@echo "make build    just build ($(BUILD)/photon-sim)"
	@echo "make images   fetch and verify the Photon images (images/cache)"
	@echo "make particle-cli  install the pinned Particle CLI the tests drive (tools/particle-cli)"
	@echo "make bench    benchmarks (bench/RESULTS.md)"

deps:
	@tools/install-deps

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPHOTON_SIM_COMPARE_WITH=$(CURDIR)/$(SYSTEM_BUILD)/photon-sim >/dev/null

# PHOTON_UNICORN=system|auto|PREFIX in the environment: (re)configure with it
build: deps $(BUILD)/Makefile
	$(if $(PHOTON_UNICORN),cmake -S . -B $(BUILD) -DPHOTON_UNICORN=$(PHOTON_UNICORN) >/dev/null)
	cmake --build $(BUILD) -j$(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPHOTON_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)

system-engine: deps
	@if $(OLD_SYSTEM_UNICORN); then \
	  cmake -S . -B $(SYSTEM_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHOTON_UNICORN=system >/dev/null && \
	  cmake --build $(SYSTEM_BUILD) -j$(JOBS); \
	else echo "make: the system's Unicorn is 2.1 or newer: no second engine to test"; fi

images:
	@images/fetch

particle-cli:
	@tools/particle-cli/install

run: build images particle-cli
	$(BUILD)/photon-sim run $(RUN_ARGS)

test: build images particle-cli asan system-engine
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	# on 2.0.1 every test but the fuzzers and the library run twice over (scenario_jobs: each
	# scenario runs on its own in this build too; 2.0.1 is ~6x slower on busy code)
	if $(OLD_SYSTEM_UNICORN); then cd $(SYSTEM_BUILD) && \
	  ctest --output-on-failure -j$(JOBS) -LE fuzz -E '^integration/scenario_jobs$$'; fi
	cd $(ASAN_BUILD) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -L sanitized

# only the normal build, for quick iterations
test-fast: build images particle-cli
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build images system-engine
	bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(SYSTEM_BUILD)
