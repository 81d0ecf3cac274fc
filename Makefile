# Gaon: the two commands of the README, and the steps behind them.
#   make demo   install what is missing, build, compile the demo model
#   make test   install what is missing, build, run every test
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	@bash utils/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR) -j $(JOBS)

test: build
	@bash utils/run-tests.sh $(BUILD_DIR)

demo: build
	@bash utils/demo.sh $(BUILD_DIR)

bench: build
	$(PYTHON) bench/run.py --build $(BUILD_DIR) --threads 1,2
	$(PYTHON) bench/run.py --build $(BUILD_DIR) --threads 1,2 --load
	$(PYTHON) bench/npu.py --build $(BUILD_DIR)
	$(PYTHON) bench/quant.py --build $(BUILD_DIR)
	$(PYTHON) bench/weight_only.py --build $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
