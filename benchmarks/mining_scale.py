"""Mining at volume: 10,000 transcripts mined (scikit-learn clustering), time and peak RSS.

    .venv/bin/python benchmarks/mining_scale.py [--data ../shared/data/taskmaster/tm4_coffee]
        [--transcripts 10000]

The Taskmaster-4 coffee dialogs (3,500) are ingested once, then copied under new
conversation ids up to `--transcripts`, their intent labels removed so that every
opening goes through the clustering (TF-IDF, k-means for k = 2..12, silhouette). The
mining runs in a fresh process; its wall time and peak RSS are printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def mine(folders: list[str], out: str) -> None:
    from convsim.scenarios.mining import mine_catalog

    t0 = time.perf_counter()
    catalog = mine_catalog(folders, out)
    wall = time.perf_counter() - t0
    print(json.dumps({"conversations": catalog["conversations"], "mine_s": round(wall, 2),
                      "k": catalog["intent_clustering"].get("k"),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                            / 1024)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "taskmaster" / "tm4_coffee"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--transcripts", type=int, default=10_000)
    parser.add_argument("--mine", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mine:
        mine(args.mine[:-1], args.mine[-1])
        return
    import polars as pl

    from convsim.scenarios.ingest import ingest_transcripts

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "ingested"
        ingest_transcripts(sorted(args.data.glob("*.jsonl")), "taskmaster", base, salt="bench")
        n = pl.read_parquet(base / "conversations" / "*.parquet").height
        folders = []
        for copy in range(-(-args.transcripts // n)):
            folder = Path(tmp) / f"copy{copy}"
            for table in ("conversations", "turns", "tool_calls"):
                (folder / table).mkdir(parents=True)
                frame = pl.read_parquet(base / table / "*.parquet")
                if "conversation_id" in frame.columns:
                    frame = frame.with_columns(pl.col("conversation_id") + f"-copy{copy}")
                if table == "conversations":  # no labels: every opening is clustered
                    frame = frame.with_columns(pl.lit(None, pl.String).alias("intent"))
                frame.write_parquet(folder / table / "part-00000.parquet")
            folders.append(folder)
        out = subprocess.run([sys.executable, __file__, "--mine", *map(str, folders),
                              str(Path(tmp) / "catalog")], check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
    r = json.loads(out)
    print(f"| {r['conversations']:,} transcripts ({len(folders)} copies of {n:,}) | "
          f"{r['mine_s']:.1f} s | {r['peak_rss_mib']} MiB | k={r['k']} |")


if __name__ == "__main__":
    main()
