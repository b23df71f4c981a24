"""Mine a catalog from imported transcripts: intents, process, slots, outcomes, style, utterances.

Intents come from labels when the transcripts have them, else from keyword rules
(`intent_rules` in the mining config), else from clustering the customers'
opening turns with scikit-learn: TF-IDF over words (min document frequency 2,
personal values cut out first so the pseudonyms chosen at ingest do not matter),
k-means (fixed random state) for k = 2..max_clusters, keeping the k with the
best cosine silhouette. The same transcripts give the same intents, process and slots
whatever PYTHONHASHSEED and the pseudonym salt; the mined utterances keep the pseudonyms
chosen at ingest, so personas built from them (and so conversation seeds) follow the salt:
import with a fixed CONVSIM_PII_SALT to reproduce a campaign from raw logs. The catalog is
plain files a person can read and edit: `catalog.yaml` (+ `utterances.parquet`, `assignments.parquet`, and
`styles.parquet`: one row of style figures per real customer, which persona
generation resamples so that length, typos, politeness and patience keep their
joint distribution), every item with provenance (the conversations it came from).

Size: over 400 lines because it holds one pipeline (intents, process, slots, outcomes,
style, utterances) over the same per-conversation frames; each step a function of its own,
kept in one module because nothing else uses them.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field

from convsim.personas.mining import (
    build_vocabulary,
    conversation_style,
    fit_persona_traits,
    persona_adjectives,
    summarize_style,
)
from convsim.scenarios.pii import KIND_OF_KEY
from convsim.scenarios.utterances import mine_utterances

TOKEN = re.compile(r"[a-z']{2,}")
STOP = frozenset({
    "the", "a", "an", "and", "or", "to", "of", "in", "on", "for", "is", "it", "i", "my", "me",
    "you", "your", "we", "our", "this", "that", "with", "be", "can", "could", "would", "like",
    "want", "need", "have", "has", "had", "am", "are", "was", "were", "do", "does", "did", "not",
    "no", "yes", "hi", "hello", "hey", "please", "thanks", "thank", "so", "just", "get", "got",
    "some", "any", "there", "what", "how", "about",
})


class MiningConfig(BaseModel):
    """Optional knowledge for the miner (YAML)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    intent_rules: dict[str, list[str]] = Field(default_factory=dict)
    """Intent -> keywords of the opening customer turn (used when there is no label)."""
    slot_patterns: dict[str, str] = Field(default_factory=dict)
    """Placeholder -> regex of values to template in utterances (e.g. order_id)."""
    slot_values: dict[str, list[str]] = Field(default_factory=dict)
    """Placeholder -> known values (e.g. items: product names)."""
    persona_tasks: list[str] = Field(default_factory=list)
    """JSONL files of tau-bench style tasks whose 'You are ...' adjectives describe personas."""
    task_scenarios: list[str] = Field(default_factory=list)
    """scenarios.jsonl files (ingest --format tau2): their expected actions feed the process."""
    step_groups: dict[str, list[str]] = Field(default_factory=dict)
    """Step name -> tools that do the same step (e.g. authenticate: the two user lookups)."""
    intent_aliases: dict[str, str] = Field(default_factory=dict)
    """Label or task intent -> catalog intent (e.g. cancel_pending_order: cancel_order)."""
    domain: str | None = None
    """Domain pack the transcripts belong to; recorded in the catalog, and scenario
    generation refuses to use the catalog with another pack."""
    max_clusters: int = Field(12, ge=2)
    seed: int = 0


# ----------------------------------------------------------------------------- clustering

# Personal values were pseudonymised at ingest: the fake ones depend on the salt and must not
# steer the clustering. Emails, street addresses, placeholders and names are cut out first.
_EMAIL = re.compile(r"\S+@\S+")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|<[^<>]*>|\[[^\[\]]*\]")


@cache
def _fake_street() -> re.Pattern[str]:
    """Street addresses as faker writes them (the pseudonyms of addresses): a number, one
    or two capitalised words, a street suffix (Trafficway, Groves...), maybe a suite."""
    from faker.providers.address.en_US import Provider

    suffixes = "|".join(sorted({re.escape(s) for s in Provider.street_suffixes}, key=len,
                               reverse=True))
    return re.compile(rf"\b\d{{1,6}}(?: [A-Z][a-z]+){{1,2}} (?:{suffixes})\b"
                      rf"(?:,? (?:Suite|Apt\.) \d+)?")


def canonical_text(text: str) -> str:
    """`text` with each email and street address replaced by one fixed stand-in, so figures
    read from it (words per turn, several pieces of information at once) do not depend on
    the pseudonyms chosen at ingest."""
    from convsim.scenarios.pii_address import find_streets

    text = _fake_street().sub("1 Main Street", _EMAIL.sub("name@example.com", text))
    for span in sorted(find_streets(text), key=lambda s: s.start, reverse=True):
        text = text[:span.start] + "1 Main Street" + text[span.end:]
    return text


def neutral_text(text: str) -> str:
    """`text` without its personal values (emails, street addresses, names, placeholders),
    so the words left do not depend on the pseudonyms chosen at ingest."""
    from convsim.scenarios.pii_address import find_streets
    from convsim.scenarios.pii_names import lexicon

    text = _PLACEHOLDER.sub(" ", _fake_street().sub(" ", _EMAIL.sub(" ", text)))
    for span in sorted(find_streets(text), key=lambda s: s.start, reverse=True):
        text = text[:span.start] + " " + text[span.end:]
    lex = lexicon()
    # Fake names are drawn from the names lexicon (its unambiguous entries): drop those words.
    return " ".join(w for w in text.split()
                    if not _is_name(w.strip(".,!?;:'\"()").lower(), lex))


def _is_name(word: str, lex: Any) -> bool:
    return (word in lex.first or word in lex.last) and not lex.ambiguous(word)


def tfidf(docs: list[str], min_df: int = 2) -> tuple[Any, list[str]]:
    """L2-normalised TF-IDF rows (scipy sparse) over words of 2+ letters, stop words out."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(token_pattern=TOKEN.pattern, lowercase=True,
                                 stop_words=sorted(STOP), min_df=min_df, dtype=np.float64)
    try:
        x = vectorizer.fit_transform(docs)
    except ValueError:  # no word left (empty vocabulary)
        return np.zeros((len(docs), 0)), []
    return x, [str(w) for w in vectorizer.get_feature_names_out()]


def cluster_openings(openings: list[str], max_k: int, seed: int) -> tuple[list[str], dict[str, Any]]:
    """Intent names for each opening, and how they were chosen: scikit-learn TF-IDF and
    k-means (fixed random state) for k = 2..max_k, the k with the best cosine silhouette
    (on a sample of at most 2,000 openings)."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score

    if len(openings) < 4:
        return ["unlabelled"] * len(openings), {"method": "too few conversations to cluster"}
    docs = [neutral_text(o) for o in openings]
    x, vocab = tfidf(docs)
    if x.shape[1] == 0:
        return ["unlabelled"] * len(openings), {"method": "no shared vocabulary"}
    best: tuple[float, int, np.ndarray] | None = None
    tried = {}
    sample = min(x.shape[0], 2000)
    for k in range(2, min(max_k, len(openings) // 3, len(set(docs))) + 1):
        with warnings.catch_warnings():  # fewer distinct clusters than k: that k is skipped
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, random_state=seed, n_init=4).fit_predict(x)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(x, labels, metric="cosine", sample_size=sample,
                                       random_state=seed))
        tried[k] = round(score, 4)
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        return ["unlabelled"] * len(openings), {"method": "too few conversations to cluster"}
    _, k, labels = best
    names = {}
    for j in range(k):
        centroid = np.asarray(x[labels == j].mean(axis=0)).ravel()
        top = [vocab[i] for i in np.argsort(-centroid, kind="stable")[:2] if centroid[i] > 0]
        names[j] = f"cluster{j}_" + "_".join(top)
    return [names[int(lab)] for lab in labels], {
        "method": "tfidf+kmeans over opening customer turns (scikit-learn; names, emails and "
                  "addresses removed first)", "k": k, "silhouette_by_k": tried}


# ----------------------------------------------------------------------------- process


def mine_process(sequences: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """Steps and order consistency from (conversation id, tool sequence) pairs."""
    n = len(sequences)
    if n == 0:
        return {"conversations_with_actions": 0}
    support = Counter(t for _, seq in sequences for t in set(seq))
    # ties broken by name: Counter order would follow set iteration (hash-seeded per process)
    steps = [t for t, c in sorted(support.items(), key=lambda kv: (-kv[1], kv[0])) if c / n >= 0.3]
    order: list[dict[str, Any]] = []
    for a in steps:
        for b in steps:
            if a == b:
                continue
            both = [(seq.index(a), seq.index(b)) for _, seq in sequences if a in seq and b in seq]
            if len(both) < 3:
                continue
            before = sum(i < j for i, j in both) / len(both)
            if before >= 0.9:
                order.append({"first": a, "then": b, "consistency": round(before, 4),
                              "conversations": len(both),
                              "statement": f"{a} precedes {b} in {before:.0%} of "
                                           f"{len(both)} conversations"})
    return {
        "conversations_with_actions": n,
        "steps": [{"tool": t, "support": round(support[t] / n, 4)} for t in steps],
        "order": order,
        "proposed_expectations": {
            "required_steps": [t for t in steps if support[t] / n >= 0.8],
            "order_constraints": [[o["first"], o["then"]] for o in order
                                  if o["consistency"] >= 0.95 and o["conversations"] >= 5]},
        "examples": [cid for cid, _ in sequences[:5]],
    }


_PERSONAL_VALUE = re.compile(r"@|\d{4,}")
_PERSONAL_KEYS = set(KIND_OF_KEY) | {"city", "state", "country", "province", "region", "town",
                                    "user_id", "customer_id"}


def mine_slots(calls: list[tuple[str, str]]) -> dict[str, Any]:
    """Value distributions of categorical tool arguments (<= 30 distinct values)
    from (tool, arguments JSON) pairs."""
    values: dict[str, Counter[str]] = defaultdict(Counter)
    for tool, args in calls:
        try:
            parsed = json.loads(args or "{}")
        except ValueError:
            continue
        for k, v in parsed.items() if isinstance(parsed, dict) else []:
            # personal values (pseudonyms of emails, ids) are not categories of a slot
            if (isinstance(v, str | int | float | bool) and not _PERSONAL_VALUE.search(str(v))
                    and re.sub(r"[\s.-]", "_", str(k).lower()) not in _PERSONAL_KEYS):
                values[f"{tool}.{k}"][str(v)] += 1
    out = {}
    for slot, counts in values.items():
        total = sum(counts.values())
        # categorical only: few distinct values that repeat (ids and names never do)
        if len(counts) <= 30 and total >= 3 and len(counts) <= total / 2:
            out[slot] = {v: round(c / total, 4) for v, c in counts.most_common()}
    return out


# ----------------------------------------------------------------------------- catalog


def _read(dirs: list[Path], table: str) -> pl.DataFrame:
    frames = [pl.read_parquet(d / table / "*.parquet") for d in dirs
              if any((d / table).glob("*.parquet"))]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def assign_intents(conv: pl.DataFrame, openings: dict[str, str], config: MiningConfig
                   ) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """conversation id -> intent, -> method ('label', 'rule', 'cluster'), clustering info."""
    intent: dict[str, str] = {}
    method: dict[str, str] = {}
    rest = []
    for cid, label in conv.select("conversation_id", "intent").iter_rows():
        if label:
            intent[cid], method[cid] = config.intent_aliases.get(label, label), "label"
            continue
        text = openings.get(cid, "").lower()
        rule = next((name for name, keys in config.intent_rules.items()
                     if any(k in text for k in keys)), None)
        if rule:
            intent[cid], method[cid] = rule, "rule"
        else:
            rest.append(cid)
    info: dict[str, Any] = {}
    if rest:
        names, info = cluster_openings([openings.get(c, "") for c in rest], config.max_clusters,
                                       config.seed)
        for cid, name in zip(rest, names, strict=True):
            intent[cid], method[cid] = name, "cluster"
    return intent, method, info


def mine_catalog(transcripts: Sequence[str | Path], out: str | Path,
                 config: MiningConfig | None = None) -> dict[str, Any]:
    """Build a catalog folder from ingested transcript folders; returns catalog.yaml's content."""
    config = config or MiningConfig()
    dirs = [Path(t) for t in transcripts]
    for d in dirs:
        if not (d / "conversations").is_dir():
            raise FileNotFoundError(f"{d}: not an ingested transcripts folder (no conversations/)")
    conv = _read(dirs, "conversations")
    turns = _read(dirs, "turns").sort("conversation_id", "turn_index")
    calls = _read(dirs, "tool_calls")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    by_conv: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in turns.select("conversation_id", "turn_index", "role", "text").iter_rows(named=True):
        by_conv[row["conversation_id"]].append(row)
    customer = {cid: [t["text"] for t in ts if t["role"] == "customer"]
                for cid, ts in by_conv.items()}
    # Style is read from text whose pseudonymised values have one fixed form.
    canonical = {cid: [canonical_text(t) for t in texts] for cid, texts in customer.items()}
    openings = {cid: (texts[0] if texts else "") for cid, texts in customer.items()}
    intent, method, cluster_info = assign_intents(conv, openings, config)

    vocabulary = build_vocabulary(t for ts in by_conv.values() for t in (x["text"] for x in ts))
    styles = {cid: conversation_style(canonical.get(cid, []), vocabulary)
              for cid in conv["conversation_id"]}
    patterns = {k: re.compile(v) for k, v in config.slot_patterns.items()}
    bank = [row for cid in conv["conversation_id"]
            for row in mine_utterances(cid, intent[cid], by_conv.get(cid, []), patterns,
                                       config.slot_values)]

    sequences: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    group_of = {tool: step for step, tools in config.step_groups.items() for tool in tools}
    if calls.height:
        for cid, group in calls.sort("conversation_id", "seq").group_by(
                "conversation_id", maintain_order=True):
            tools = [group_of.get(t, t) for t, s in group.select("tool", "status").iter_rows()
                     if s != "error" and t not in ("unknown", "unknown_action")]
            if not tools:
                continue
            sequences[intent.get(str(cid[0]), "unlabelled")].append(
                (str(cid[0]), list(dict.fromkeys(tools))))
    slot_calls: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if calls.height:
        for cid, tool, args in calls.select("conversation_id", "tool", "arguments_json").iter_rows():
            slot_calls[intent.get(cid, "unlabelled")].append((tool, args))
    for path in config.task_scenarios:
        for line in Path(path).read_text().splitlines():
            scen = json.loads(line)
            for action in scen.get("slots", {}).get("expected_actions", []):
                slot_calls[config.intent_aliases.get(scen["intent"], scen["intent"])].append(
                    (action["name"], json.dumps(action.get("arguments") or {})))
            tools = [group_of.get(a["name"], a["name"])
                     for a in scen.get("slots", {}).get("expected_actions", [])]
            name = config.intent_aliases.get(scen["intent"], scen["intent"])
            sequences[name].append((scen["id"], list(dict.fromkeys(tools))))

    outcomes = dict(zip(conv["conversation_id"], conv["outcome"], strict=True))
    counts = Counter(intent.values())
    total = sum(counts.values())
    intents: dict[str, Any] = {}
    for name, n in counts.most_common():
        members = [c for c, i in intent.items() if i == name]
        intents[name] = {
            "conversations": n, "share": round(n / total, 4),
            "method": Counter(method[c] for c in members).most_common(1)[0][0],
            "outcomes": dict(Counter(str(outcomes.get(c)) for c in members).most_common()),
            "style": summarize_style([styles[c] for c in members]),
            "process": mine_process(sequences.get(name, [])),
            "slots": mine_slots(slot_calls.get(name, [])),
            "examples": members[:5],
        }
    for name, seqs in sequences.items():  # intents known only from task scenarios
        if name not in intents:
            intents[name] = {"conversations": 0, "share": 0.0, "method": "task_scenarios",
                             "process": mine_process(seqs), "examples": [s[0] for s in seqs[:5]]}

    descriptions: Counter[str] = Counter()
    for path in config.persona_tasks:
        descriptions += persona_adjectives(
            json.loads(line).get("instruction", "") for line in Path(path).read_text().splitlines())
    traits = fit_persona_traits(list(styles.values()), descriptions)
    slots = mine_slots([c for group in slot_calls.values() for c in group])

    bank_df = pl.DataFrame(bank, schema={
        "intent": pl.String, "key": pl.String, "answers_act": pl.String, "template": pl.String,
        "placeholders": pl.List(pl.String), "fillable": pl.Boolean,
        "conversation_id": pl.String, "turn_index": pl.Int32, "last": pl.Boolean})
    bank_df.write_parquet(out / "utterances.parquet")
    # One row per real customer: the joint style persona generation resamples.
    style_keys = sorted({k for s in styles.values() for k in s})
    pl.DataFrame([{"conversation_id": c, "intent": intent.get(c, "unlabelled"),
                   **{k: float(s.get(k, 0.0)) for k in style_keys}} for c, s in styles.items()],
                 schema={"conversation_id": pl.String, "intent": pl.String,
                         **dict.fromkeys(style_keys, pl.Float64)}).write_parquet(
        out / "styles.parquet")
    pl.DataFrame({"conversation_id": list(intent), "intent": list(intent.values()),
                  "method": [method[c] for c in intent]}).write_parquet(
        out / "assignments.parquet")
    catalog = {
        "catalog_version": 1, "domain": config.domain,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": [str(d) for d in dirs], "conversations": total,
        "intent_mix": {k: v["share"] for k, v in intents.items() if v["share"]},
        "step_groups": dict(config.step_groups),
        "intent_clustering": cluster_info or {"method": "labels or rules only"},
        "intents": intents,
        "slots_overall": slots,
        "style": summarize_style(list(styles.values())),
        "persona_traits": traits.model_dump(mode="json"),
        "utterance_bank": {"rows": bank_df.height,
                           "fillable_by_key": dict(Counter(
                               r["key"] for r in bank if r["fillable"] and r["key"] != "other"
                           ).most_common())},
        "provenance": {"persona_tasks": config.persona_tasks,
                       "task_scenarios": config.task_scenarios},
    }
    (out / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False, width=100,
                                                     allow_unicode=True))
    return catalog
