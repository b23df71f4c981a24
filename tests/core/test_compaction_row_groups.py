"""Compaction merges batch part files holding at most ROW_GROUP_BYTES of rows in memory at a
time: large rows (a conversation's final sandbox state) make more, smaller row groups, never
one buffer of a whole 50,000-conversation file. Rows and order are unchanged."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from convsim.core import results
from convsim.core.results import SCHEMAS, TABLES, ResultWriter


def _rows(start: int, n: int) -> pa.Table:
    return pa.Table.from_pylist(
        [{"conversation_id": f"c{i:05d}", "run_id": "r", "agent_version": "v1",
          "final_state_json": f'{{"i": {i}, "pad": "{"x" * 5000}"}}'}
         for i in range(start, start + n)], schema=SCHEMAS["conversations"])


def test_row_groups_are_bounded_in_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results, "ROW_GROUP_BYTES", 100_000)  # ~ 19 rows of 5 KB
    writer = ResultWriter(tmp_path / "run", "r")
    for part in range(20):
        writer.write_tables({"conversations": _rows(part * 10, 10)})
    assert writer.compact(max_conversations=1000) == 19
    for table in TABLES:
        assert len(list((tmp_path / "run" / table).glob("*.parquet"))) == 1
    (merged,) = (tmp_path / "run" / "conversations").glob("*.parquet")
    meta = pq.ParquetFile(merged).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sum(sizes) == 200 and max(sizes) <= 20 and len(sizes) >= 10  # flushed by bytes
    ids = pq.read_table(merged, columns=["conversation_id"]).column(0).to_pylist()
    assert ids == [f"c{i:05d}" for i in range(200)]  # same rows, same order
