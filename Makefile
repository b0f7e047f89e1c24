# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make course   create/reuse .venv, install, execute the course (teach mode) on the embedded data
#   make test     create/reuse .venv, install, run unit tests + every notebook in smoke mode
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
MODE   ?= teach
# torch's OpenMP threads busy-wait unless told otherwise; with few cores that is ~8x slower.
export OMP_WAIT_POLICY = PASSIVE
# OpenBLAS threads spin while they wait: on two cores shared with a notebook kernel or a second
# worker, two BLAS threads made the small PCA / SVD fits of smoke and teach runs up to 20x
# slower (a smoke sweep of Table II 25 s instead of 17 s). One thread unless you say otherwise.
export OPENBLAS_NUM_THREADS ?= 1
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install datasets course site browser test lab bench clean
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -e ".[course,test]"
	touch $@

course: install datasets
	SVDD_MODE=$(MODE) $(PY) -m svddlib.course run --mode $(MODE)

# The executed course as a static HTML book: results/site/_build/html/index.html (svddlib/site.py).
site: install
	SVDD_MODE=$(MODE) $(PY) -m svddlib.course site --mode $(MODE)

# Real offline material from Debian (data/README.md): Fashion-MNIST as IDX files, painted
# landscapes and portraits (Wesnoth) and photographs (Plasma wallpapers). Installed with apt where we are root
# (CI, a fresh machine); elsewhere the loaders stop with one line naming the package.
DEBIAN_DATA = dataset-fashion-mnist wesnoth-1.16-data plasma-workspace-wallpapers
datasets:
	@missing=$$(for p in $(DEBIAN_DATA); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing >/dev/null; } || echo "could not install: $$missing"; \
	else echo "not installed (sudo apt-get install $$missing): the loaders of these sets will say so"; fi

# tests/test_site.py reads the site in Debian's headless chromium: install it where we are root
# with apt (CI, a fresh machine); elsewhere those browser checks skip and say why.
browser:
	@command -v chromium >/dev/null || if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium >/dev/null; } || echo "could not install chromium"; \
	else echo "chromium not installed: the browser checks of tests/test_site.py will skip"; fi

# Notebooks run in smoke mode; results go to a fresh temporary folder so no cached run hides a bug.
test: install browser datasets
	SVDD_MODE=smoke SVDD_RESULTS_ROOT=$$(mktemp -d) $(PY) -m pytest

lab: install
	$(VENV)/bin/jupyter lab notebooks/

bench: install
	$(PY) scripts/bench_trainer.py
	$(PY) scripts/bench_anomalies.py
	$(PY) scripts/bench_sweeps.py
	$(PY) scripts/bench_sweeps.py --artefact table2 --kind any --images 50
	$(PY) scripts/bench_paper_inputs.py
	$(PY) -c "import pyod" 2>/dev/null || $(PY) -m pip install --quiet pyod  # benchmark only
	$(PY) scripts/bench_detectors.py --json results/bench_detectors.json

clean:
	rm -rf results .pytest_cache
