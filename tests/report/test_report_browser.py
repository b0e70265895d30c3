"""The HTML report, opened in a real headless Chromium (Debian's, driven by Playwright):
it renders, every category and every figure in it opens, every image loads, the findings
page shows, nothing reaches the network and the console stays free of errors."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags a headless browser needs on a closed machine (no sandbox as root, no background
# connections to Google's services).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CATEGORIES = [
    "Crawl",
    "Ecology",
    "Ecosystem",
    "Findings",
    "Genealogy",
    "Inferred kin",
    "Licenses",
    "Merges",
    "Similarity",
    "Traits",
]


@pytest.fixture(scope="module")
def browser() -> Any:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: `scripts/setup.sh --test` installs Debian's")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def test_report_renders_every_figure(tiny_workflow: Path, browser: Any) -> None:
    report = tiny_workflow / "results" / "tiny" / "report.html"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("data:", "file:", "blob:", "about:"))
            else problems.append(f"network request: {r.url}")
        ),
    )
    page.goto(report.as_uri())
    assert page.title() == "Snakemake Report"
    body = page.inner_text("body")
    assert "snapshot tiny" in body  # the workflow description, rendered from its template
    for name in CATEGORIES:
        assert page.get_by_role("link", name=name).count() == 1, name

    opened: list[str] = []

    def open_results(path: list[str]) -> None:
        """Open the category at ``path`` (subcategories included) and every file in it."""
        page.goto(report.as_uri())
        for name in path:
            page.get_by_role("link", name=name, exact=True).first.click()
        eyes = page.locator("a[iconname=eye]")
        if eyes.count() == 0:
            subs = [t for t in page.locator("a").all_inner_texts() if t.strip()]
            subs = [t for t in subs if t not in ("Results", *path)]
            assert subs, f"category {'/'.join(path)} lists no result"
            for sub in subs:
                open_results([*path, sub])
            return
        for i in range(eyes.count()):
            eyes.nth(i).click()
            if path[0] == "Findings":
                frame = page.frame_locator("iframe").first
                frame.locator("h1").wait_for()
                assert "Findings: snapshot" in frame.locator("h1").inner_text()
                assert frame.locator("tr").count() > 60
                opened.append("findings.html")
                continue
            shown = page.locator("img[src^='data:image/png']")
            shown.first.wait_for()
            src = shown.first.get_attribute("src") or ""
            # the file name the report embeds with the image
            opened.append(src.split("filename=", 1)[1].split(";", 1)[0])
            loaded = page.evaluate(
                "Array.from(document.images).filter(i => i.src.startsWith('data:image/png'))"
                ".map(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0)"
            )
            assert loaded and all(loaded), f"an image of {'/'.join(path)} did not load"

    for name in CATEGORIES:
        open_results([name])
    figures = sorted((tiny_workflow / "results" / "tiny" / "figures").glob("*.png"))
    assert sorted(opened) == sorted([f.name for f in figures] + ["findings.html"])
    assert not problems, problems
