"""Rebuild the bundled `coffee` pack from Taskmaster-4 coffee dialogs.

    python -m convsim.domains.coffee.build [TM4_FOLDER]

Takes a deterministic sample of SAMPLE dialogs (the smallest SHA-256 of their
conversation ids, so it does not depend on how the files are split), ingests
it into a temporary folder (fixed PII salt: same pseudonyms every time), and
runs `convsim domain from-transcripts` with `packgen.yaml` (the hand edits).
Writes `domain.yaml` and `tool_responses.jsonl` next to this file.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# ../shared beside a checkout (as CI places it), else the workplace's copy.
DEFAULT_SOURCE = next((p for p in (HERE.parents[2].parent / "shared" / "data" / "taskmaster" / "tm4_coffee",
                                   Path("/work/shared/data/taskmaster/tm4_coffee")) if p.is_dir()),
                      Path("/work/shared/data/taskmaster/tm4_coffee"))
SAMPLE = 300
SALT = "convsim-coffee-pack"
# Templates whose API answers were scripted to fail ("no results", "wrong results", "do you
# have x NO") or that have no order at all (off topic): replayed, their empty menus would
# answer the ordinary orders for the same drinks (replay prefers the most frequent answer).
EXCLUDED_TEMPLATES = re.compile(r"no results|wrong results|completely off topic|do you have x NO",
                                re.IGNORECASE)


def sample_dialogs(source: Path, n: int = SAMPLE) -> list[str]:
    """JSON lines of the n dialogs whose ids hash lowest (dialogs with API calls, not from the
    failure templates)."""
    keyed = []
    for part in sorted(source.glob("dialogs.part*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            dialog = json.loads(line)
            if EXCLUDED_TEMPLATES.search(str(dialog.get("scenario") or "")):
                continue
            if not any(a.get("name") == "api_call" for u in dialog.get("utterances") or []
                       for a in u.get("annotations") or []):
                continue
            digest = hashlib.sha256(str(dialog["conversation_id"]).encode()).hexdigest()
            keyed.append((digest, line))
    if not keyed:
        raise SystemExit(f"{source}: no Taskmaster-4 dialogs with API calls (dialogs.part*.jsonl)")
    return [line for _, line in sorted(keyed)[:n]]


def build(source: Path = DEFAULT_SOURCE, out: Path = HERE) -> None:
    from convsim.core.yaml_files import load_model
    from convsim.scenarios.ingest import ingest_transcripts
    from convsim.scenarios.packgen import PackgenConfig, pack_from_transcripts

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "tm4_coffee_sample.jsonl"
        raw.write_text("\n".join(sample_dialogs(source)) + "\n", encoding="utf-8")
        ingest_transcripts([raw], "taskmaster", Path(tmp) / "ingested", salt=SALT)
        pack_from_transcripts([Path(tmp) / "ingested"], out, "coffee",
                              load_model(HERE / "packgen.yaml", PackgenConfig))


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
