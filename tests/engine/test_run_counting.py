"""`convsim run`'s printed table counts conversations in the words of summary.json `counts`,
the gate and the report ("N conversations, M distinct" per agent version)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.decisions.summary import COUNTING

runner = CliRunner()

REPEATED = """\
name: counted
seed: 5
repetitions: 4
scenarios: {{n: 6}}
personas: {{n: 2}}
agents:
  - {{version: v1, connector: python, reference: "retail:v1"}}
  - {{version: v2, connector: python, reference: "retail:v2"}}
evaluators: [process, goal]
execution: {{executor: local, batch_size: 6, concurrency: 4}}
output_dir: {out}
"""


def test_run_table_counts_as_summary_gate_and_report_do(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(REPEATED.format(out=tmp_path / "runs"))
    result = runner.invoke(app, ["run", str(campaign)])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "counted").iterdir()
    counts = json.loads((run / "summary.json").read_text())["counts"]
    assert [c.split(":")[0] for c in counts] == ["v1", "v2"]
    # One line under the pass-rate table, before the outcomes, in the summary's words.
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith(COUNTING)]
    assert line == f"{COUNTING}: " + "; ".join(counts) + "."
    out = result.stdout
    assert out.index("Pass rate per agent version and metric") < out.index(line) < \
        out.index("outcomes v1:")
    for phrase in counts:  # repetitions that played out word for word count once in n
        assert re.fullmatch(r"v[12]: 24 conversations, \d+ distinct", phrase), phrase
    gate = tmp_path / "gate"
    res = runner.invoke(app, ["gate", str(run), "--baseline", "v1", "--candidate", "v2",
                              "--out", str(gate)])
    assert res.exit_code == 2, res.output  # too few conversations for a verdict, files written
    verdict = json.loads((gate / "gate.json").read_text())
    assert f"v2: {verdict['counts']}" in counts
    res = runner.invoke(app, ["report", str(run)])
    assert res.exit_code == 0, res.output
    html = (run / "report.html").read_text()
    assert all(phrase in html for phrase in counts)
