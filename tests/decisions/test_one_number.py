"""One number per metric: the demo's summary.json, summary.md, gate.json, gate.md and report
agree on every metric's n, passed, interval and p-value, and count conversations in the same
words."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from convsim.cli.main import app

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The full demo (v1 vs v2), its gates (v2 and v1 as candidates) and its report."""
    out = tmp_path_factory.mktemp("runs")
    result = runner.invoke(app, ["run", str(DEMO), "--executor", "local", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (run,) = (out / "demo").iterdir()
    gates = {}
    for cand in ("v2", "v1"):
        folder = out / f"gate-{cand}"
        res = runner.invoke(app, ["gate", str(run), "--baseline", "v1", "--candidate", cand,
                                  "--out", str(folder)])
        assert res.exit_code == (1 if cand == "v2" else 0), res.output
        gates[cand] = (json.loads((folder / "gate.json").read_text()),
                       (folder / "gate.md").read_text())
    res = runner.invoke(app, ["report", str(run)])
    assert res.exit_code == 0, res.output
    return {"run": run, "gates": gates, "html": (run / "report.html").read_text(),
            "summary": json.loads((run / "summary.json").read_text()),
            "summary_md": (run / "summary.md").read_text()}


def test_summary_gate_and_report_agree_on_n_passed_and_interval(demo: dict[str, Any]) -> None:
    html = unescape(re.sub(r"<[^>]+>", "|", demo["html"]))
    rows = [r for r in demo["summary"]["pass_rates"] if r["scored"]]
    assert len(rows) >= 10
    for row in rows:
        version, metric = row["agent_version"], row["metric"]
        verdict, _ = demo["gates"][version]
        (rule,) = [r for r in verdict["rules"] if r["rule"] == "threshold" and r["name"] == metric]
        n = rule["numbers"]
        assert (n["n"], n["passed"]) == (row["scored"], row["passed"]), (version, metric)
        assert n["ci_low"] == pytest.approx(row["ci_low"]) and \
            n["ci_high"] == pytest.approx(row["ci_high"])
        ci = f"{row['ci_low']:.0%}–{row['ci_high']:.0%}"
        cells = f"|{metric}||{row['passed']}/{row['scored']}||{row['pass_rate']:.1%}||{ci}|"
        assert f"{version}|" + "|" + cells in html, (version, metric)  # report headline
        assert f"| {version} | {metric} | {row['passed']}/{row['scored']} | " \
               f"{row['pass_rate']:.1%} | {ci} |" in demo["summary_md"]
    # The run's printed table is summarize_run: the same rows as summary.json.
    process = next(r for r in rows if (r["agent_version"], r["metric"]) == ("v2", "process"))
    (phrase,) = [c for c in demo["summary"]["counts"] if c.startswith("v2: ")]
    distinct = re.search(r"(\d+) distinct", phrase)
    assert process["conversations"] == 200  # identical conversations count once in n:
    assert process["scored"] + process["not_applicable"] + process["unscored"] == \
        (int(distinct.group(1)) if distinct else 200)


def test_same_counting_words_everywhere(demo: dict[str, Any]) -> None:
    (phrase,) = [c for c in demo["summary"]["counts"] if c.startswith("v2: ")]
    assert re.fullmatch(r"v2: 200 conversations(, \d+ distinct)?", phrase)
    verdict, md = demo["gates"]["v2"]
    assert verdict["counts"] == phrase.removeprefix("v2: ")
    assert f"v2: {verdict['counts']}" in md
    assert phrase in demo["summary_md"] and phrase in demo["html"]
    assert demo["summary"]["counting"] in demo["summary_md"] and \
        demo["summary"]["counting"] in demo["html"]


def test_report_shows_the_gates_tests_and_p_values(demo: dict[str, Any]) -> None:
    verdict, _ = demo["gates"]["v2"]
    html = demo["html"]
    overall = [r for r in verdict["rules"] if r["rule"] == "regression"
               and r["numbers"]["segment"] is None]
    assert {r["name"] for r in overall} >= {"process", "goal", "disclosure:refund_timing"}
    for r in overall:
        n = r["numbers"]
        pattern = (rf"<td>{re.escape(r['name'])}</td><td>{n['n_pairs']}</td>.*?<td>"
                   rf"{n['p_worse']:.2g}<br><small[^>]*>{re.escape(n['test'])}</small></td><td>"
                   rf"{n['p_adjusted']:.2g}</td><td>(.*?)</td>")
        match = re.search(pattern, html)
        assert match, r["name"]
        assert ("regression" in match.group(1)) == (r["status"] == "fail"), r["name"]
    assert "one-sided" in html and f"more than {verdict['policy']['regression']['max_drop']:.1%}" \
        in html


def test_demo_v2_verdict_fits_one_screen_and_names_the_segment(demo: dict[str, Any]) -> None:
    _, md = demo["gates"]["v2"]
    lines = md.splitlines()
    assert len(lines) <= 10, md
    assert sum("worst in **intent=cancel_order**" in ln for ln in lines) == 2, md
    _, md = demo["gates"]["v1"]
    assert md.startswith("## convsim gate: ✅ PASS") and len(md.splitlines()) <= 10, md
