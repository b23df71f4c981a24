"""`convsim report`: one self-contained HTML file, checked as text and in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from convsim.cli.main import app as main_app
from convsim.cli.report import report
from convsim.core.results import SCHEMAS
from convsim.decisions.report import write_report

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"
CHROMIUM = os.environ.get("CONVSIM_CHROMIUM", "/usr/bin/chromium")
SECTIONS = ("headline", "comparison", "breakdowns", "coverage", "errors", "cost", "failures")
# Resource references a browser would fetch: scripts, styles, images, frames, CSS url().
RESOURCE = re.compile(r"""(?:src|href|srcset|data|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?"""
                      r"""\s*(?:https?:)?//|<script|<link|<iframe|<object|<embed|@import""", re.I)

report_app = typer.Typer(add_completion=False)
report_app.command()(report)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo (400 conversations, v1 vs v2) on the local executor: a few seconds."""
    out = tmp_path_factory.mktemp("runs")
    result = runner.invoke(main_app, ["run", str(DEMO), "--executor", "local", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (run_dir,) = (out / "demo").iterdir()
    return run_dir


@pytest.fixture(scope="module")
def demo_report(demo_run: Path) -> Path:
    result = runner.invoke(report_app, [str(demo_run)])
    assert result.exit_code == 0, result.output
    path = demo_run / "report.html"
    assert str(path) in result.output.replace("\n", "")
    return path


def test_report_is_self_contained_with_every_section(demo_report: Path) -> None:
    html = demo_report.read_text()
    assert RESOURCE.search(html) is None
    for section in SECTIONS:
        assert f'<section id="{section}">' in html and f'href="#{section}"' in html
    # outcomes, intervals, 2 heatmaps, 2 escalation matrices, 2 histograms
    assert html.count("<svg") >= 8
    # v2 skips the refund disclosure and authentication when cancelling: flagged against v1
    banner = html[html.index('<div class="alert">'):html.index("<nav>")]
    assert "significant regression" in banner
    assert "disclosure:refund_timing" in banner and "process" in banner and "goal" not in banner
    assert html.count('<article class="conv"') == 10
    assert "worst in <b>intent=cancel_order</b>" in banner and 'href="#flips-v2-process"' in banner


def test_report_lists_every_flip_linked_to_its_transcript(demo_run: Path,
                                                          demo_report: Path) -> None:
    from convsim.decisions.analytics import flips, load_runs

    html = demo_report.read_text()
    every = flips(load_runs(demo_run), "v1", "v2")
    for metric, group in every.group_by("metric"):
        worse = group.filter(pl.col("direction") == "regressed").height
        better = group.height - worse
        assert f"<b>{metric[0]}</b>: {worse} pass→fail, {better} fail→pass</summary>" in html
    links = re.findall(r'<li class="(?:regressed|improved)">\w+: <a href="#conv-([^"]+)"', html)
    assert sorted(links) == sorted(every["candidate_conversation_id"].to_list())
    anchors = set(re.findall(r'<article class="conv[^"]*" id="conv-([^"]+)"', html))
    assert set(links) <= anchors  # every flip's transcript is in the file
    assert 'class="turn agent evidence"' in html and '<li class="tool">' in html
    assert "No LLM calls" in html


def test_report_numbers_agree_with_the_run(demo_run: Path, demo_report: Path) -> None:
    html = demo_report.read_text()
    conversations = pl.read_parquet(demo_run / "conversations" / "*.parquet")
    assert f"<b>{conversations.height:,}</b><span>conversations</span>" in html
    scores = pl.read_parquet(demo_run / "scores" / "*.parquet")
    refund = scores.filter((pl.col("metric") == "disclosure:refund_timing")
                           & (pl.col("agent_version") == "v2") & (pl.col("status") == "scored"))
    assert refund.height > 0 and not refund["passed"].any()
    assert re.search(r"disclosure:refund_timing</td><td>\d+</td><td>100\.0%</td><td>0\.0%", html)


def test_text_from_the_run_is_escaped(demo_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    failing = (pl.read_parquet(run / "scores" / "*.parquet")
               .filter((pl.col("status") == "scored") & ~pl.col("passed"))["conversation_id"])
    evil = '<script>alert("x")</script><img src="https://example.com/x.png">'
    for part in sorted((run / "turns").glob("*.parquet")):
        turns = pl.read_parquet(part).with_columns(
            text=pl.when(pl.col("conversation_id").is_in(failing.to_list()))
            .then(pl.lit(evil)).otherwise(pl.col("text")))
        pq.write_table(pa.Table.from_pylist(turns.to_dicts(), schema=SCHEMAS["turns"]), part)
    html = write_report(run, tmp_path / "r.html").read_text()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert RESOURCE.search(html) is None


def test_versions_and_errors(demo_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "aa.html"
    result = runner.invoke(report_app, [str(demo_run), "--out", str(out), "--baseline", "v2",
                                        "--candidate", "v2"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    banner = html[html.index('<div class="alert">'):html.index("<nav>")]
    # v2 against itself: nothing regressed, but the gate still blocks its missing disclosure.
    assert "significant regression" not in banner and "No pair changed verdict" in html
    assert "<b>disclosure:refund_timing</b> (below threshold" in banner
    bad = runner.invoke(report_app, [str(demo_run), "--baseline", "v9"])
    assert bad.exit_code == 2 and "unknown agent version 'v9'" in bad.output
    assert "Traceback" not in bad.output
    empty = runner.invoke(report_app, [str(tmp_path)])
    assert empty.exit_code == 2 and "no run folder found" in empty.output


@pytest.mark.requires_browser
def test_report_renders_in_headless_chromium(demo_report: Path, tmp_path: Path) -> None:
    from playwright import sync_api  # a test dependency (pyproject [test])

    # .ci/run installs Debian's chromium; a missing browser is a failure, not a skip.
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt install chromium, or set " \
                                    "CONVSIM_CHROMIUM)"
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(demo_report.as_uri(), wait_until="load")
            boxes = [svg.bounding_box() for svg in page.query_selector_all("svg.chart")]
            heading = page.inner_text("h1")
            banner = page.inner_text("div.alert")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests
    assert len(boxes) >= 8
    assert all(b is not None and b["width"] > 100 and b["height"] > 50 for b in boxes), boxes
    assert heading == "convsim report · demo"
    assert "significant regression" in banner
    assert shot.stat().st_size > 50_000
