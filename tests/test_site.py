"""The course site (svddlib.site): built from smoke-mode executions, read in headless Chromium.

The browser checks need Debian's ``chromium`` (``make test`` installs it as root with apt-get);
without it they are skipped with that reason. Chromium is driven over the DevTools protocol
with websocket-client, so no separate browser driver is needed.
"""
import base64
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import papermill
import pytest

from svddlib import course, course_map, site

SITE_NOTEBOOKS = ["00_introduction", "30_hypersphere_collapse"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars", "--window-size=1280,1000", "--remote-debugging-port=0"]


class Chromium:
    """Headless Chromium with a fresh profile, one page, driven over the DevTools protocol."""

    def __init__(self, executable: str, profile: Path):
        import websocket

        self.process = subprocess.Popen([executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                         "about:blank"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        port = self._port(profile / "DevToolsActivePort")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as reply:
            page = next(t for t in json.load(reply) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                                  suppress_origin=True)
        self.next_id, self.requests = 0, []
        self.call("Page.enable")
        self.call("Network.enable")

    def _port(self, port_file: Path, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                return int(port_file.read_text().split()[0])
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def call(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._record(message)

    def open(self, url: str, timeout: float = 60) -> None:
        """Load ``url``, follow a meta-refresh redirect, wait for MathJax to finish typesetting."""
        self.requests.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while not self._loaded():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            time.sleep(0.2)
        self.evaluate("new Promise(done => window.MathJax && MathJax.Hub ? "
                      "MathJax.Hub.Queue(() => done(true)) : done(false))")

    def _loaded(self) -> bool:
        """The document is complete and is not a redirect (index.html) to another page."""
        try:
            return self.evaluate("document.readyState === 'complete' && "
                                 "!document.querySelector('meta[http-equiv=refresh]')")
        except RuntimeError:  # the page navigated while being asked
            return False

    def _record(self, event: dict) -> None:
        if event.get("method") == "Network.requestWillBeSent":
            self.requests.append(event["params"]["request"]["url"])

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


PAGE_REPORT = """(() => {
  const main = document.querySelector('main') || document.body;
  const typeset = '.MathJax, .MathJax_Display, .MathJax_Preview, script[type^="math/tex"]';
  const maths = [...main.querySelectorAll('.math.nohighlight')];  // Sphinx's, not MathJax's
  return {
    title: document.title,
    images: [...main.querySelectorAll('img')].map(i => [i.getAttribute('src'), i.naturalWidth]),
    maths: maths.length,
    typeset: main.querySelectorAll('.MathJax, .MathJax_Display').length,
    untypeset: maths.filter(m => !m.querySelector(typeset)).map(m => m.textContent.slice(0, 80)),
    math_errors: main.querySelectorAll('.MathJax_Error, merror').length,
    tables: main.querySelectorAll('table').length,
    error_outputs: main.querySelectorAll('.output.traceback, .output.error').length,
    text: main.innerText,
    downloads: [...main.querySelectorAll('a.download, a[download]')].map(a => a.href),
  };
})()"""


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The site of two notebooks, executed in smoke mode into a fresh results folder."""
    results = tmp_path_factory.mktemp("site-results")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SVDD_RESULTS_ROOT", str(results))
        start = time.perf_counter()
        index = site.build_site(SITE_NOTEBOOKS, "smoke")
        print(f"site of {SITE_NOTEBOOKS} executed and built in {time.perf_counter() - start:.0f} s")
    return index


@pytest.fixture(scope="module")
def served_site(built_site):
    """The built site over HTTP on the loopback address, as a reader would get it."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built_site.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must read the site in chromium: make test installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (make test installs it as root with apt)")
    chromium = Chromium(executable, tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def test_site_has_a_page_per_notebook_in_course_order(built_site):
    html = built_site.parent
    assert "00_introduction.html" in built_site.read_text()  # landing page = introduction
    for name in SITE_NOTEBOOKS:
        assert (html / f"{name}.html").exists()
    toc = (html.parents[1] / "source" / "_toc.yml").read_text()
    assert toc.index("root: 00_introduction") < toc.index("file: 30_hypersphere_collapse")


@pytest.mark.parametrize("page", ["index.html", "30_hypersphere_collapse.html"])
def test_page_renders_in_chromium(browser, served_site, page, tmp_path):
    browser.open(f"{served_site}/{page}")
    report = browser.evaluate(PAGE_REPORT)
    title = {"index.html": "Introduction", "30_hypersphere_collapse.html": "Hypersphere collapse"}
    assert title[page] in report["title"]
    assert report["images"], "the page shows no figure"
    broken = [src for src, width in report["images"] if width == 0]
    assert not broken, f"images that did not load: {broken}"
    assert report["maths"] > 0 and report["typeset"] > 0, "no maths typeset by MathJax"
    assert not report["untypeset"], f"maths left as TeX: {report['untypeset'][:3]}"
    assert report["math_errors"] == 0
    assert report["error_outputs"] == 0
    assert "Traceback (most recent call last)" not in report["text"]
    name = "00_introduction" if page == "index.html" else page.removesuffix(".html")
    assert f"python -m svddlib.course run {name} --mode smoke" in report["text"]
    source_link = [href for href in report["downloads"] if href.endswith(f"/{name}.ipynb")]
    assert source_link, f"no link to the source notebook: {report['downloads']}"
    with urllib.request.urlopen(source_link[0], timeout=30) as reply:
        assert nbformat.reads(reply.read().decode(), as_version=4).cells  # the source notebook
    offsite = [url for url in browser.requests
               if not url.startswith((served_site, "data:", "about:"))]
    assert not offsite, f"the page fetches from outside the site: {offsite}"
    if page != "index.html":
        assert report["tables"] > 0, "the collapse notebook's tables are missing"
    _assert_not_blank(browser.screenshot(), tmp_path / f"{name}.png")


def _assert_not_blank(png: bytes, path: Path) -> None:
    from PIL import Image, ImageStat

    path.write_bytes(png)  # kept in pytest's tmp folder to look at
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] >= 1000
    assert ImageStat.Stat(image).stddev[0] > 10, f"blank screenshot {path}"


def _broken_executed_notebook(executed_dir: Path, name: str) -> None:
    """An executed copy of ``name`` that raised, exactly as papermill writes it."""
    bad = executed_dir / "bad.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"),
                nbformat.v4.new_code_cell("raise RuntimeError('deliberately broken')")]
    nbformat.write(nb, bad)
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(bad), str(executed_dir / f"{name}.ipynb"),
                                   kernel_name="python3", progress_bar=False,
                                   execution_timeout=120)


def test_broken_executed_notebook_fails_the_build_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    executed = tmp_path / "executed" / "smoke"
    executed.mkdir(parents=True)
    _broken_executed_notebook(executed, "00_introduction")
    with pytest.raises(site.SiteBuildError, match=r"notebook 00_introduction raised(.|\n)*"
                                                  r"RuntimeError: deliberately broken"):
        site.build_site(["00_introduction"], "smoke")
    assert not (tmp_path / "site" / "_build").exists(), "nothing may be published"
    cli = subprocess.run([sys.executable, "-m", "svddlib.course", "site", "00_introduction",
                          "--mode", "smoke"], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "SVDD_RESULTS_ROOT": str(tmp_path)})
    assert cli.returncode == 1
    assert "notebook 00_introduction raised" in cli.stderr and "deliberately broken" in cli.stderr


def test_notebook_raising_while_executing_fails_the_build_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path / "results"))
    sources = tmp_path / "notebooks"
    sources.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.cells = [nbformat.v4.new_code_cell("mode = None", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("assert False, 'deliberately broken'")]
    nbformat.write(nb, sources / "00_introduction.ipynb")
    monkeypatch.setattr(course_map, "notebooks_dir", lambda: sources)
    with pytest.raises(site.SiteBuildError, match=r"notebook 00_introduction raised while "
                                                  r"executing in smoke mode(.|\n)*deliberately"):
        site.build_site(["00_introduction"], "smoke")


def test_only_missing_outdated_or_interrupted_notebooks_are_executed(tmp_path, monkeypatch):
    sources = tmp_path / "notebooks"
    executed = tmp_path / "executed"
    sources.mkdir(), executed.mkdir()
    monkeypatch.setattr(course_map, "notebooks_dir", lambda: sources)
    for name in "abcde":
        nbformat.write(nbformat.v4.new_notebook(), sources / f"{name}.ipynb")
    finished = nbformat.v4.new_notebook(metadata={"papermill": {"end_time": "2026-12-01T07:00"}})
    for name in "abd":
        nbformat.write(finished, executed / f"{name}.ipynb")  # newer than its source: cached
    os.utime(executed / "b.ipynb", (0, 0))  # older than its source: re-run
    interrupted = nbformat.v4.new_notebook(metadata={"papermill": {"end_time": None}})
    nbformat.write(interrupted, executed / "e.ipynb")  # papermill never finished it: re-run
    assert site.notebooks_to_execute(list("abcde"), executed) == ["b", "c", "e"]


def test_site_notebooks_follow_the_registry():
    assert site.site_notebooks(["30_hypersphere_collapse", "00_introduction"]) == SITE_NOTEBOOKS
    everything = site.site_notebooks()
    assert everything[0] == "00_introduction"
    assert everything == [n for n in course.NOTEBOOKS if n in everything]
    assert set(everything) == {n for n in course.available_notebooks()
                               if not course.NOTEBOOKS[n].planned}
    with pytest.raises(ValueError, match="unknown notebook"):
        site.site_notebooks(["99_nothing"])


def test_notebook_errors_reads_error_outputs():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output(
                    "stream", name="stderr", text="a warning")]),
                nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
                    "error", ename="NameError", evalue="name 'x' is not defined", traceback=[])])]
    assert site.notebook_errors(nb) == ["cell 1: NameError: name 'x' is not defined"]
    nb.cells.pop()
    assert site.notebook_errors(nb) == []
