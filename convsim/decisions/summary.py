"""Summaries over a run's Parquet results (polars).

`summarize_run` gives the pass rate per agent version and metric, with counts
and a 95% interval — the numbers of `analytics.pass_rates`, which the gate and
the report use too (one number per metric everywhere); `outcome_counts` how conversations ended;
`write_summary` saves both in the run folder (summary.json, summary.md), the
same figures `convsim run` prints, with a catalog-based run's fidelity (its customers
against the catalog's real ones, `campaign_fidelity`).

A run is counted without holding it: its conversations are keyed (spec, turn-text hash) a
file slice at a time into buckets by spec on disk, and the pass rates add up bucket by
bucket (`_Keyed`), so the summary of a million conversations weighs what ten thousand do.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from convsim.decisions.analytics import Runs

def load_table(run_dir: str | Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(Path(run_dir) / table / "*.parquet")


def scan_table(run_dir: str | Path, table: str, columns: list[str]) -> pl.LazyFrame:
    """Only `columns` of a table, lazily: summaries of a million conversations stream their
    part files instead of loading the rationales and texts."""
    return pl.scan_parquet(Path(run_dir) / table / "*.parquet").select(columns)


def summarize_run(run_dir: str | Path, by: tuple[str, ...] = ("agent_version", "metric")
                  ) -> pl.DataFrame:
    """Pass rate per group, the same numbers as `convsim gate` and `convsim report`.

    Columns: the `by` columns, conversations (scored conversations), scored (n: distinct
    scored conversations; identical repetitions count once), passed, pass_rate, ci_low,
    ci_high (95% Wilson, widened by the design effect of repeated specs), design_effect,
    not_applicable, unscored. See `convsim.decisions.analytics.pass_rates`.
    """
    from convsim.decisions import analytics as an

    keyed = _keyed(run_dir)
    key = (str(Path(run_dir).resolve()), tuple(by))
    hit = _RATES.get(key)
    if hit is not None and hit[0] is keyed:  # same folder state: `convsim run` prints it again
        return hit[1]
    if isinstance(keyed, _Keyed) and not set(by) - _KEPT - keyed.score_columns:
        side = an.status_counts(an.load_runs(keyed.root), by)
        sums = an.add_rate_sums([an.rate_sums(b, by) for b in keyed.buckets()], by)
        rates = an.rates_from_sums(sums, by, None if side is None else
                                   side.collect(engine="streaming"))
    else:
        runs = keyed if isinstance(keyed, an.Runs) else an.load_runs(keyed.root)
        rates = an.pass_rates(runs, by=list(by))
    table = rates.select(
        *by, conversations=pl.col("scored").cast(pl.Int64), scored=pl.col("n_unique"),
        passed=pl.col("passed"), pass_rate=pl.col("pass_rate"), ci_low=pl.col("ci_low"),
        ci_high=pl.col("ci_high"), design_effect=pl.col("design_effect"),
        not_applicable=pl.col("not_applicable").fill_null(0).cast(pl.Int64),
        unscored=pl.col("unscored").fill_null(0).cast(pl.Int64)).sort(list(by))
    if len(_RATES) > 4:
        _RATES.clear()
    _RATES[key] = (keyed, table)
    return table


BUCKET_CONVERSATIONS = 10_000
"""Conversations per bucket when a run is summarised bucket by bucket: the memory of a
summary is that of this many conversations, whatever the run's size."""
UNIT_CONVERSATIONS = 50_000
"""Batch part files read together in the first pass, up to this many conversations."""
SLICE_CONVERSATIONS = 10_000
"""...and a bigger file (a compacted one: 50,000) read in slices of about this many
conversations (by a hash of their id), one scan of the file per slice."""
KEPT_COLUMNS = ("run_id", "conversation_id", "agent_version", "scenario_id", "persona_id",
                "perturbation", "intent", "outcome", "scenario_tags", "persona_emotion")
"""The conversations' columns a bucket keeps: what the summary and `convsim run` group by
(a rate by another column reads the run whole, `analytics.pass_rates`)."""
_KEPT = frozenset(KEPT_COLUMNS)
_HEAVY = ("rationale", "evidence")
"""Columns of the scores no count or rate reads, left out of the buckets."""
class _Keyed:
    """A run's conversations and scores with each conversation's text hash, written once
    into buckets by spec (every repetition of a spec in the same bucket), in a temporary
    folder: dedupe and cluster sums are exact within a bucket and add up across them.

    The first pass reads the run a file group at a time (a conversation's turns, scores and
    row sit in same-named files of every table: the writer writes them so, and compaction
    merges the same parts in every table), so neither pass holds the run."""

    def __init__(self, root: Path, groups: list[tuple[list[str], int]],
                 conversations: int) -> None:

        self.root = root
        self.n_buckets = max(1, -(-conversations // BUCKET_CONVERSATIONS))
        self._tmp = tempfile.TemporaryDirectory(prefix="convsim-summary-")
        folder = Path(self._tmp.name)
        for i, (names, rows) in enumerate(groups):
            slices = max(1, -(-rows // SLICE_CONVERSATIONS))
            writers: dict[str, pq.ParquetWriter] = {}
            for j in range(slices):  # a slice of a big file at a time, by conversation
                part = (pl.col("conversation_id").hash(2) % slices == j) if slices > 1 else \
                    pl.lit(True)
                for name, frame in self._spill(root, names, part).items():
                    data = frame.to_arrow()
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(folder / f"{name}-{i:05d}.parquet",
                                                         data.schema)
                    # Small row groups, each slice sorted by bucket: a bucket's read skips
                    # the row groups of the others by their statistics.
                    writers[name].write_table(data.cast(writers[name].schema),
                                              row_group_size=2048)
            for writer in writers.values():
                writer.close()
            del writers
            pa.default_memory_pool().release_unused()  # the slices' arrow buffers
        self._keys = pl.scan_parquet(folder / "keys-*.parquet")
        self.score_columns = frozenset(self._scores_schema(folder))
        self._scores = pl.scan_parquet(folder / "scores-*.parquet")

    def _spill(self, root: Path, names: list[str], part: pl.Expr) -> dict[str, pl.DataFrame]:
        """The conversations `part` of files `names`: their keys with text hashes, and their
        scores, each sorted by bucket."""
        from convsim.decisions import analytics as an

        conv = an._scan(root, "conversations", names).filter(part)
        keep = [c for c in conv.collect_schema().names() if c in _KEPT]
        keys = (conv.select(keep)
                .join(an._text_hashes(an._scan(root, "turns", names).filter(part)),
                      on=["run_id", "conversation_id"], how="left")
                .with_columns(pl.col("text_hash").fill_null(0))
                .with_columns(bucket=self._bucket(an._spec_expr()))
                .collect(engine="streaming").sort("bucket", maintain_order=True))
        scan = an._scan(root, "scores", names).filter(part)
        heavy = [c for c in _HEAVY if c in scan.collect_schema().names()]
        scores = (scan.drop(heavy)
                  .join(keys.lazy().select("run_id", "conversation_id", "bucket"),
                        on=["run_id", "conversation_id"], how="left")
                  .with_columns(pl.col("bucket").fill_null(
                      self._bucket(pl.col("conversation_id"))))
                  .collect().sort("bucket", maintain_order=True))
        return {"keys": keys, "scores": scores}

    @staticmethod
    def _scores_schema(folder: Path) -> list[str]:
        return pq.read_schema(next(folder.glob("scores-*.parquet"))).names

    def _bucket(self, spec: pl.Expr) -> pl.Expr:
        return (spec.hash(1) % self.n_buckets).cast(pl.Int32)

    def buckets(self) -> Iterator[Runs]:
        """The run bucket by bucket, as `Runs` with their text hashes (no turns, no tool calls)."""
        from convsim.decisions import analytics as an

        for b in range(self.n_buckets):
            keys = self._keys.filter(pl.col("bucket") == b)
            yield an.Runs(
                run_dirs=(self.root,), conversations=keys.drop("text_hash", "bucket"),
                turns=an._empty("turns").with_columns(run_id=pl.lit(None, pl.String)),
                tool_calls=an._empty("tool_calls").with_columns(run_id=pl.lit(None, pl.String)),
                scores=self._scores.filter(pl.col("bucket") == b).drop("bucket"),
                text_hashes=keys.select("run_id", "conversation_id", "text_hash"))


_CACHE: dict[str, tuple[tuple[tuple[int, int], ...], _Keyed | Runs]] = {}
_RATES: dict[tuple[str, tuple[str, ...]], tuple[_Keyed | Runs, pl.DataFrame]] = {}


def _file_groups(root: Path) -> tuple[list[tuple[list[str], int]], int] | None:
    """Same-named files of conversations, turns and scores in groups of about
    UNIT_CONVERSATIONS conversations (with their count), and the conversations; None when the
    tables' files do not match (not a folder this writer wrote)."""
    names = sorted(p.name for p in (root / "conversations").glob("*.parquet"))
    for table in ("turns", "scores"):
        if sorted(p.name for p in (root / table).glob("*.parquet")) != names:
            return None
    groups: list[tuple[list[str], int]] = []
    total = 0
    for name in names:
        rows = pq.ParquetFile(root / "conversations" / name).metadata.num_rows
        if not groups or groups[-1][1] + rows > UNIT_CONVERSATIONS:
            groups.append(([], 0))
        groups[-1] = (groups[-1][0] + [name], groups[-1][1] + rows)
        total += rows
    return groups, total


def _keyed(run_dir: str | Path) -> _Keyed | Runs:
    """The run keyed for counting, once per state of the folder (the summary, its markdown
    and the printed tables read it several times): in buckets (`_Keyed`), or, for a folder
    whose tables' files do not match, loaded whole with its text hashes."""
    from convsim.decisions.analytics import load_runs

    root = Path(run_dir).resolve()
    state = tuple((len(files), max((f.stat().st_mtime_ns for f in files), default=0))
                  for files in (list((root / t).glob("*.parquet"))
                                for t in ("conversations", "turns", "scores")))
    hit = _CACHE.get(str(root))
    if hit is not None and hit[0] == state:
        return hit[1]
    _CACHE.clear()  # one run at a time
    found = _file_groups(root)
    keyed = _Keyed(root, *found) if found is not None and found[0] else \
        load_runs(root).with_text_hashes()
    _CACHE[str(root)] = (state, keyed)
    return keyed


def count_notes(run_dir: str | Path) -> list[str]:
    """'v2: 200 conversations, 186 distinct' per agent version: how every view counts."""
    from convsim.decisions.analytics import conversation_counts, count_phrase

    keyed = _keyed(run_dir)
    counts: dict[str, tuple[int, int]] = {}
    for runs in keyed.buckets() if isinstance(keyed, _Keyed) else [keyed]:
        for version, (n, distinct) in conversation_counts(runs).items():
            before = counts.get(version, (0, 0))
            counts[version] = (before[0] + n, before[1] + distinct)
    return [f"{v}: {count_phrase(*counts[v])}" for v in sorted(counts)]


COUNTING = ("n counts distinct conversations (same spec and turn texts count once); intervals "
            "are 95% Wilson, widened by the design effect of repeated specs")
"""The sentence every view prints under its pass rates."""


def outcome_counts(run_dir: str | Path) -> pl.DataFrame:
    """Conversations per agent version and outcome."""
    conv = scan_table(run_dir, "conversations", ["agent_version", "outcome"])
    return conv.group_by("agent_version", "outcome").len("conversations").sort(
        "agent_version", "outcome").collect(engine="streaming")


def summary_markdown(run_dir: str | Path, rows: pl.DataFrame | None = None,
                     outcomes: pl.DataFrame | None = None) -> str:
    """The run's pass rates and outcomes as a markdown table (the printed summary)."""
    rows = summarize_run(run_dir) if rows is None else rows
    lines = ["| version | metric | passed/n | rate | 95% CI | n/a | unscored |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows.iter_rows(named=True):
        if not r["scored"] and not r["unscored"]:
            continue
        rate = "-" if r["pass_rate"] is None else f"{r['pass_rate']:.1%}"
        ci = "-" if not r["scored"] else f"{r['ci_low']:.0%}–{r['ci_high']:.0%}"
        lines.append(f"| {r['agent_version']} | {r['metric']} | {r['passed']}/{r['scored']} | "
                     f"{rate} | {ci} | {r['not_applicable']} | {r['unscored']} |")
    outcomes = outcome_counts(run_dir) if outcomes is None else outcomes
    lines += ["", f"{COUNTING}: " + "; ".join(count_notes(run_dir)) + ".", ""]
    for version in sorted(set(outcomes["agent_version"].to_list())):
        parts = [f"{o['outcome']}={o['conversations']}" for o in outcomes.iter_rows(named=True)
                 if o["agent_version"] == version]
        lines.append(f"outcomes {version}: " + ", ".join(parts))
    return "\n".join(lines) + "\n"


def write_summary(run_dir: str | Path) -> None:
    """summary.json (rows of summarize_run and outcome_counts) and summary.md in the run folder."""
    root = Path(run_dir)
    rates, outcomes = summarize_run(root), outcome_counts(root)
    payload: dict[str, object] = {"pass_rates": rates.to_dicts(), "outcomes": outcomes.to_dicts(),
                                  "counts": count_notes(root), "counting": COUNTING}
    profiles = scan_table(root, "conversations", ["perturbation"]).select(
        pl.col("perturbation").n_unique()).collect(engine="streaming").item()
    if profiles > 1:  # the table `convsim run` prints per profile, computed once
        payload["pass_rates_by_profile"] = summarize_run(
            root, ("agent_version", "perturbation", "metric")).to_dicts()
    fidelity = run_fidelity(root)
    if fidelity is not None:
        payload["fidelity"] = fidelity
    (root / "summary.json").write_text(json.dumps(payload, indent=1, default=str) + "\n")
    markdown = summary_markdown(root, rates, outcomes)
    if fidelity is not None:
        from convsim.decisions.campaign_fidelity import fidelity_lines

        markdown += "\n" + "\n".join(fidelity_lines(fidelity)) + "\n"
    (root / "summary.md").write_text(markdown)


def run_fidelity(run_dir: str | Path) -> dict[str, Any] | None:
    """The fidelity of a catalog-based run's customers against the catalog's real ones
    (`campaign_fidelity`), or None for a run without a catalog. A run whose fidelity
    cannot be measured says why under `note`; it never fails the summary."""
    from convsim.decisions.campaign_fidelity import campaign_fidelity, run_catalog

    try:
        return campaign_fidelity(run_dir)
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        return {"catalog": str(run_catalog(run_dir)), "note": f"not measured: {exc}"}


def saved_fidelity(run_dir: str | Path) -> dict[str, Any] | None:
    """The fidelity written in a run's summary.json (None: none written)."""
    path = Path(run_dir) / "summary.json"
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("fidelity")
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def divergence_summary(run_dir: str | Path) -> pl.DataFrame:
    """Replayed conversations per agent version and intent: how many diverged from the
    historical agent, at which turn (median), and replayed turns that lost their context."""
    conv = load_table(run_dir, "conversations").select("agent_version", "intent", "labels")
    rows = []
    for version, intent, labels in conv.iter_rows():
        found = dict(labels or [])
        rows.append({"agent_version": version, "intent": intent,
                     "diverged": "divergence_turn" in found,
                     "turn": int(found["divergence_turn"]) if "divergence_turn" in found else None,
                     "out_of_context": int(found.get("replayed_out_of_context", 0))})
    frame = pl.DataFrame(rows, schema={"agent_version": pl.String, "intent": pl.String,
                                       "diverged": pl.Boolean, "turn": pl.Int64,
                                       "out_of_context": pl.Int64})
    return (frame.group_by("agent_version", "intent")
            .agg(replayed=pl.len(), diverged=pl.col("diverged").sum(),
                 median_turn=pl.col("turn").median(),
                 out_of_context_turns=pl.col("out_of_context").sum())
            .sort("agent_version", "intent"))
