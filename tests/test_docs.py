"""The documentation site: it builds with ``mkdocs build --strict``, the generated page of
every built-in trial names the trial and each of its endpoints, and the ``pycon``
examples of the hand-written pages run and print what the pages say.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import endpoints as ep

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILTINS = ["NCT02633163", "NCT03580291", "NCT03673748", "NCT03917797"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # mkdocs-material's banner
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-5000:]}"
    return out


def test_site_builds(site):
    for page in ("index.html", "getting-started/index.html", "input/index.html",
                 "trials/index.html", "reference/index.html", "interpretations/index.html",
                 "architecture/index.html", "performance/index.html"):
        assert (site / page).is_file(), page


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_trial_page(site, trial_id):
    assert trial_id in ep.list_trials()
    page = site / "trials" / trial_id / "index.html"
    assert page.is_file(), f"no generated page for {trial_id}"
    html = page.read_text(encoding="utf-8")
    assert trial_id in html
    for endpoint in ep.get_trial(trial_id).endpoints:
        assert f'id="endpoint-{endpoint.name.replace("_", "-")}"' in html, endpoint.name
        assert endpoint.name in html, endpoint.name


def test_every_registered_trial_has_a_page(site):
    built = {p.parent.name for p in (site / "trials").glob("*/index.html")}
    assert set(ep.list_trials()) <= built


def _pycon_blocks(path: Path) -> list[str]:
    return re.findall(r"^```pycon\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)


@pytest.mark.parametrize("page", ["getting-started.md", "input.md"])
def test_page_examples_run(page):
    blocks = _pycon_blocks(DOCS / page)
    if not blocks:
        pytest.skip(f"{page} has no pycon examples")
    # one doctest for the page: later blocks use the names earlier ones define
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, page, str(DOCS / page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted and not failed, f"{failed} of {attempted} examples in {page} failed"
