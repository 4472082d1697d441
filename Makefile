# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make-stamps
export FLASK_APP := app

.PHONY: run test bench migrate seed clean

$(STAMPS):
	mkdir -p $(STAMPS)

# Debian packages the app needs at run time (pyzbar's libzbar) and the browser the tests drive.
$(STAMPS)/debian-run: | $(STAMPS)
	@if ! ldconfig -p | grep -q libzbar.so.0; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzbar0; fi
	touch $@

$(STAMPS)/debian-test: $(STAMPS)/debian-run
	@if ! command -v chromium >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi
	touch $@

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(STAMPS)/python: requirements.txt $(VENV)/bin/python | $(STAMPS)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

# static/vendor/barcode-detector: the camera's polyfill (self-contained ES build); static/vendor/zxing-wasm: the
# ZXing reader it is told to load from our own origin (never its default CDN).
$(STAMPS)/npm: package.json | $(STAMPS)
	npm install --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp -r node_modules/idb/build static/vendor/idb
	mkdir -p static/vendor/barcode-detector static/vendor/zxing-wasm
	cp node_modules/barcode-detector/dist/es/ponyfill.js node_modules/barcode-detector/dist/es/zxing-exported.js \
	  static/vendor/barcode-detector/
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm static/vendor/zxing-wasm/
	touch $@

.PHONY: install
install: $(STAMPS)/python $(STAMPS)/npm $(STAMPS)/debian-run

migrate: install
	$(PY) -m flask db upgrade

run: migrate
	$(PY) -m flask seed demo --if-empty
	$(PY) -m flask serve

test: install $(STAMPS)/debian-test
	node --test tests/js/
	$(PY) -m pytest

bench: install $(STAMPS)/debian-test
	$(PY) bench/intake.py
	$(PY) bench/scan.py
	$(PY) bench/device.py
	$(PY) bench/push.py

clean:
	rm -rf $(STAMPS) $(VENV) node_modules static/vendor
