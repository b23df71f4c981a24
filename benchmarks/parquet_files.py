"""Parquet files per table, and what compaction costs, as a run grows.

    .venv/bin/python benchmarks/parquet_files.py [--sizes 100000,1000000] [--batch 25]

Plays a small real campaign once (retail, the reference agent, 200 conversations) and
writes its rows again, with fresh conversation ids, as the batch part files a run of N
conversations leaves (`execution.batch_size` conversations per part, the default 25),
through `ResultWriter`; then compacts them as `run_campaign` does at the end of a run.
Prints, per size: part files per table before, files per table after, bytes before and
after, write and compaction wall time, and checks that every row is still there once.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl


def _sample(root: Path) -> dict[str, pl.DataFrame]:
    from convsim.core.campaign_file import load_campaign
    from convsim.core.results import TABLES
    from convsim.engine.campaign import run_campaign

    campaign = root / "sample.yaml"
    campaign.write_text(f"""\
name: sample
seed: 7
scenarios: {{n: 50}}
personas: {{n: 20}}
perturbations: [clean, noisy_text]
agents: [{{version: v1, connector: python, reference: "retail:v1"}},
         {{version: v2, connector: python, reference: "retail:v2"}}]
execution: {{executor: local, batch_size: 200}}
output_dir: {root / 'runs'}
""")
    info = run_campaign(load_campaign(campaign))
    return {t: pl.read_parquet(info.run_dir / t / "*.parquet") for t in TABLES}


def one(size: int, batch: int, sample: dict[str, pl.DataFrame], root: Path) -> dict[str, float]:
    from convsim.core.results import SCHEMAS, TABLES, ResultWriter

    ids = sample["conversations"]["conversation_id"].to_list()
    per = {t: sample[t].partition_by("conversation_id", as_dict=True) for t in TABLES}
    run = root / f"run-{size}"
    writer = ResultWriter(run, "bench")
    t0 = time.perf_counter()
    for start in range(0, size, batch):
        n = min(batch, size - start)
        tables = {}
        for table in TABLES:
            frames = [per[table][(ids[(start + i) % len(ids)],)]
                      .with_columns(conversation_id=pl.lit(f"c-{start + i:09d}"))
                      for i in range(n) if (ids[(start + i) % len(ids)],) in per[table]]
            frame = pl.concat(frames) if frames else sample[table].clear()
            tables[table] = frame.to_arrow().cast(SCHEMAS[table])
        writer.write_tables(tables)
    written = time.perf_counter() - t0

    def stats() -> tuple[int, int]:
        files = list((run / "turns").iterdir())
        every = [p for t in TABLES for p in (run / t).iterdir()]
        return len(files), sum(p.stat().st_size for p in every)

    parts, bytes_before = stats()
    t0 = time.perf_counter()
    ResultWriter(run, "bench").compact()
    compacted = time.perf_counter() - t0
    files, bytes_after = stats()
    counts = pl.scan_parquet(run / "conversations" / "*.parquet").select(
        pl.len(), pl.col("conversation_id").n_unique()).collect().row(0)
    assert counts == (size, size), counts
    shutil.rmtree(run)
    return {"size": size, "parts": parts, "files": files, "mb_before": bytes_before / 1e6,
            "mb_after": bytes_after / 1e6, "write_s": written, "compact_s": compacted}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--batch", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = _sample(root)
        print("conversations  part files/table  files/table after  MB before  MB after  "
              "write s  compact s")
        for size in map(int, args.sizes.split(",")):
            r = one(size, args.batch, sample, root)
            print(f"{r['size']:>13,}  {r['parts']:>16,}  {r['files']:>17,}  "
                  f"{r['mb_before']:>9.1f}  {r['mb_after']:>8.1f}  {r['write_s']:>7.1f}  "
                  f"{r['compact_s']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
