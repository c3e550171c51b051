# lowrank-opt: the two commands of the README, and the steps they are made of.
#
#   make demo   set up, build, and compile and run the example model
#   make test   set up, build, and run every test
#
# Everything goes through scripts/setup.sh (Debian packages and the project's
# Python virtual environment in .venv) and CMake with Ninja in $(BUILD_DIR).

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
PYTHON := $(CURDIR)/.venv/bin/python
LLVM_BIN := /usr/lib/llvm-22/bin

.PHONY: all setup configure build test demo check-lit check-conformance clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | setup
	cmake -G Ninja -S . -B $(BUILD_DIR) \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_C_COMPILER=$(LLVM_BIN)/clang \
	  -DCMAKE_CXX_COMPILER=$(LLVM_BIN)/clang++ \
	  -DLOWRANK_PYTHON=$(PYTHON) \
	  -DLOWRANK_DEPS_PREFIX=$(shell bash scripts/deps-prefix.sh)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR) -j $(JOBS)

test: build
	ninja -C $(BUILD_DIR) check-lowrank
	$(MAKE) check-fuzz

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)

# Robustness (docs/Robustness.md): the libFuzzer targets in build-fuzz/ and
# the AddressSanitizer + UndefinedBehaviorSanitizer test run in build-asan/.
#   make fuzz FUZZ_SECONDS=1800   each fuzz target for 30 minutes
#   make check-fuzz               each for $(FUZZ_SECONDS) s, fixed seed (part of `make test`)
#   make test-asan                lit + unit tests under the sanitizers
FUZZ_SECONDS ?= 60

.PHONY: fuzz check-fuzz test-asan

fuzz: setup
	FUZZ_JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_SECONDS)

check-fuzz: setup
	FUZZ_JOBS=$(JOBS) FUZZ_SEED=1 bash scripts/fuzz.sh $(FUZZ_SECONDS)

test-asan: setup
	ASAN_JOBS=$(JOBS) bash scripts/test-asan.sh
