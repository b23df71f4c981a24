"""Reading a mined catalog (catalog.yaml + utterances.parquet) for the generators."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from convsim.core.config import ConfigError


class CatalogError(ConfigError):
    """The catalog folder is missing or unreadable."""


@dataclass(frozen=True)
class Catalog:
    path: Path
    data: dict[str, Any]
    bank: dict[str, tuple[str, ...]]
    """Bank key (answer_order_id, open_cancel_order...; answers also as key@intent) ->
    fillable templates."""
    bank_sources: dict[str, tuple[str, ...]]
    """Bank key -> conversation ids the templates came from (same order)."""

    @property
    def intent_mix(self) -> dict[str, float]:
        return dict(self.data.get("intent_mix") or {})

    @property
    def persona_traits(self) -> dict[str, Any]:
        return dict(self.data.get("persona_traits") or {})


@cache
def load_catalog(path: str | Path) -> Catalog:
    """Load a catalog folder written by `convsim mine`."""
    root = Path(path)
    if not (root / "catalog.yaml").is_file():
        raise CatalogError(f"{root}: not a catalog (no catalog.yaml; build one with convsim mine)")
    try:
        data = yaml.safe_load((root / "catalog.yaml").read_text())
    except yaml.YAMLError as exc:
        raise CatalogError(f"{root / 'catalog.yaml'}: invalid YAML: {exc}") from None
    bank: dict[str, list[str]] = defaultdict(list)
    sources: dict[str, list[str]] = defaultdict(list)
    utterances = root / "utterances.parquet"
    if utterances.is_file():
        rows = pl.read_parquet(utterances).filter(pl.col("fillable") & (pl.col("key") != "other"))
        for key, template, cid, intent in rows.select(
                "key", "template", "conversation_id", "intent").iter_rows():
            # Answers are also kept per intent (key@intent): "yes, cancel order {order_id}"
            # answers an order-id question in a cancellation, not in a return.
            keys = [key] if key.startswith("open_") else [key, f"{key}@{intent}"]
            for k in keys:
                if template not in bank[k]:
                    bank[k].append(template)
                    sources[k].append(cid)
    return Catalog(root, data, {k: tuple(v) for k, v in bank.items()},
                   {k: tuple(v) for k, v in sources.items()})
