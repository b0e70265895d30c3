"""``phylohub explore`` in a real headless Chromium (the report test's set-up) on a small
crawled snapshot: search, open a model, walk to its parent and to a child, open its
family, switch the trait colouring, a hostile search; no console error, every request
to the app on 127.0.0.1. A screenshot of each step is written to the test's folder (or
to ``$PHYLOHUB_SCREENSHOTS``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from phylohub.explore.data import Explorer
from phylohub.explore.serve import running
from phylohub.hub.synth import SynthConfig
from tests.pipeline import snapshot_of
from tests.report.test_report_browser import ARGS, CHROMIUM

HOSTILE = "x/<img src=x onerror=alert(1)>%#?ü"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explore_crawl") / "results" / "crawled"
    snapshot_of(SynthConfig(n_models=2000, seed=7), folder)
    # what the workflow's findings and figures stages would leave, for the ecosystem view
    (folder / "findings.html").write_text("<html><body><h1>planted findings</h1></body></html>")
    figure(folder / "figures" / "planted-figure.png")
    return folder


def figure(path: Path) -> None:
    """A small real PNG, as the figures stage writes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1, 2], [0, 1, 0])
    fig.savefig(path)
    plt.close(fig)


#: The cytoscape instance behind the family view (cytoscape.js keeps it on its container).
CY = "[...document.querySelectorAll('*')].find(e => e._cyreg && e._cyreg.cy)._cyreg.cy"


def node_point(page: Any, model: str) -> tuple[float, float]:
    """Where on the page the family view draws ``model``'s node."""
    box = page.evaluate(
        f"""m => {{
            const cy = {CY};
            const p = cy.nodes().filter(n => n.data('model') === m)[0].renderedPosition();
            const r = cy.container().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }}""",
        model,
    )
    return float(box[0]), float(box[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: `scripts/setup.sh --test` installs Debian's")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def walkable(snapshot: Path) -> tuple[str, str, str]:
    """A listed model with a listed parent and a child: (model, parent, first child)."""
    ex = Explorer(snapshot)
    try:
        row = ex.con.execute(
            "SELECT u.child, min(u.parent), min(d.child) FROM up u JOIN down d "
            "ON d.parent = u.child WHERE u.parent_listed GROUP BY u.child "
            "HAVING count(DISTINCT u.parent) = 1 ORDER BY u.child LIMIT 1"
        ).fetchone()
    finally:
        ex.close()
    assert row is not None, "the snapshot has no model with both a parent and a child"
    return str(row[0]), str(row[1]), str(row[2])


def test_search_walk_family_and_colouring(snapshot: Path, browser: Any, tmp_path: Path) -> None:
    shots = Path(os.environ.get("PHYLOHUB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    model, parent, child = walkable(snapshot)
    with running(snapshot) as url:
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        problems: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("request", lambda r: requests.append(r.url))

        def heading(text: str) -> None:
            page.locator("#model-id").filter(has_text=text).wait_for()
            assert page.locator("#model-id").inner_text() == text

        page.goto(url)
        typed = model.split("/")[-1][:6].upper()  # part of the name, in the wrong case
        page.fill("#search", typed)
        link = page.locator("#suggestions a", has_text=model)
        link.first.wait_for()
        page.screenshot(path=shots / "1-search.png")
        link.first.click()
        heading(model)
        # the list closed (expect waits for it: the page and the list update separately)
        expect = pytest.importorskip("playwright.sync_api").expect
        expect(page.locator("#suggestions a")).to_have_count(0)
        assert page.locator("#lineage tbody tr").count() >= 1
        page.screenshot(path=shots / "2-model.png", full_page=True)

        page.locator("#parents a", has_text=parent).first.click()
        heading(parent)
        page.screenshot(path=shots / "3-parent.png", full_page=True)
        page.go_back()
        heading(model)
        page.locator("#children a", has_text=child).first.click()
        heading(child)
        page.screenshot(path=shots / "4-child.png", full_page=True)
        page.go_back()
        heading(model)

        page.locator("#family-link").click()
        page.locator("#family-summary").wait_for()
        page.locator("#family-graph canvas").first.wait_for()
        page.locator("#legend .legend-item").first.wait_for()
        licences = page.locator("#legend").inner_text()
        page.wait_for_timeout(500)
        page.screenshot(path=shots / "5-family.png", full_page=True)
        layered = page.evaluate(
            f"""() => {{
                const cy = {CY};
                const rows = new Map();
                cy.nodes().forEach(n => rows.set(n.data('generation'),
                    (rows.get(n.data('generation')) || new Set()).add(n.position('y'))));
                return {{
                    name: cy.nodes('.me').data('label'),
                    label: cy.nodes('.me').style('label'),
                    others: cy.nodes().filter(n => !n.hasClass('me') && !n.hasClass('lineage'))
                        .map(n => n.style('label')),
                    rows: [...rows.entries()].map(([g, ys]) => [g, [...ys]]),
                }};
            }}"""
        )
        assert layered["label"] == layered["name"] == model.rsplit("/", 1)[-1]
        assert layered["others"] and set(layered["others"]) == {""}  # unlabelled...
        rows = sorted((g, ys) for g, ys in layered["rows"])  # ...a row per generation,
        assert len(rows) >= 2 and all(len(ys) == 1 for _, ys in rows)
        assert [ys[0] for _, ys in rows] == sorted({ys[0] for _, ys in rows})  # top-down
        other = page.evaluate(
            f"m => {CY}.nodes().filter(n => n.data('model') !== m && "
            "!n.hasClass('lineage'))[0].data('model')",
            model,
        )
        page.mouse.move(*node_point(page, other))  # ...but named under the pointer
        page.locator("#hovered", has_text=other).wait_for()
        page.get_by_label("task").check()
        page.wait_for_function(
            "t => document.querySelector('#legend').innerText !== t", arg=licences
        )
        page.wait_for_timeout(300)
        page.screenshot(path=shots / "6-family-by-task.png", full_page=True)
        page.mouse.click(*node_point(page, parent))  # the canvas's own tap handler
        heading(parent)
        page.go_back()
        page.locator("#family-graph canvas").first.wait_for()

        page.fill("#search", HOSTILE)
        page.press("#search", "Enter")
        page.locator("#not-found").wait_for()
        assert HOSTILE in page.locator("#page").inner_text()
        page.screenshot(path=shots / "7-not-found.png")

        page.goto(url + "ecosystem")
        page.locator("#ecosystem-links").wait_for()
        img = page.locator("#figures img[title='planted-figure.png']")
        img.wait_for()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
        with page.context.expect_page() as opened:
            page.locator("#ecosystem-links a", has_text="findings.html").click()
        findings = opened.value
        findings.wait_for_load_state()
        assert findings.locator("h1").inner_text() == "planted findings"
        page.screenshot(path=shots / "8-ecosystem.png", full_page=True)
        findings.close()
        page.close()
    origin = re.escape(url)
    strays = [r for r in requests if not re.match(origin, r)]
    assert not strays, strays
    assert any("cytoscape" in r for r in requests)  # the bundle came from the app
    assert not problems, problems
