"""Campaign configs typed by hand, wrong in every plausible way: `convsim validate`
accepts them (exit 0) or rejects them with lines naming the file (exit 2), and never
shows a traceback.

Property-based (hypothesis): a valid campaign is mutated (wrong types, missing keys,
extreme numbers, weird strings, nested junk), or replaced by broken YAML text.
"""

from __future__ import annotations

import contextlib
import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convsim.cli.main import app

runner = CliRunner()
FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASE: dict[str, Any] = {
    "name": "fuzz", "seed": 3,
    "scenarios": {"n": 2, "domain": "retail"}, "personas": {"n": 2},
    "agents": [{"version": "v1", "connector": "python", "reference": "retail:v1"}],
    "perturbations": ["clean"], "evaluators": ["process"],
    "execution": {"executor": "local"}, "output_dir": "runs",
}
# Where a hand-edited config goes wrong (known keys at every level, and misspelled ones).
PATHS: list[tuple[Any, ...]] = [
    ("name",), ("description",), ("seed",), ("repetitions",), ("personas_per_scenario",),
    ("max_turns",), ("user_simulator",), ("evaluators",), ("output_dir",), ("perturbations",),
    ("agents",), ("scenarios",), ("personas",), ("execution",), ("llm",), ("judge",),
    ("scenarios", "n"), ("scenarios", "domain"), ("scenarios", "files"),
    ("scenarios", "intents"), ("scenarios", "strategy"), ("scenarios", "edge_case_rate"),
    ("scenarios", "catalog"), ("personas", "n"), ("personas", "locales"),
    ("personas", "patience"), ("personas", "emotions"), ("personas", "verbosity"),
    ("personas", "descriptions"), ("personas", "utterances_per_act"),
    ("agents", 0), ("agents", 0, "version"), ("agents", 0, "connector"), ("agents", 0, "url"),
    ("agents", 0, "target"), ("agents", 0, "reference"), ("agents", 0, "options"),
    ("agents", 0, "options", "headers"), ("agents", 0, "options", "requests_per_second"),
    ("agents", 0, "command"), ("agents", 0, "model"), ("perturbations", 0),
    ("perturbations", 0, "tool_faults"), ("execution", "turn_timeout_s"),
    ("execution", "batch_size"), ("execution", "concurrency"), ("execution", "workers"),
    ("execution", "retries"), ("execution", "executor"), ("llm", "timeout_s"),
    ("llm", "budget_usd"), ("llm", "temperature"), ("llm", "requests_per_minute"),
    ("judge", "samples"), ("judge", "min_agreement"),
    ("bogus",), ("scenarios", "bogus"), ("agents", 0, "bogus"), ("execution", "batchsize"),
]
POPULATION = {("scenarios", "n"), ("personas", "n")}  # big values are slow, not wrong
DELETE = object()

weird_strings = st.sampled_from([
    "", " ", "\t", "..", ".", "../../escaped", "a/b", "a\\b", "/tmp", "~", "x" * 300,
    "\x00", "\x1b[31m", "é\u2028ü", "ftp://host/x", "http://", "http://exa mple.com",
    "http://host:99999", "https://user:tok@host/x?key=1", "not a url", "no_such_mod:f",
    "convsim.core.records:nope", "os.path:sep", "retail:v9", "retail:v1", "${HOME}",
    "{port}", "proportional", "stratified", "replay", "llm", "ray", "local", "clean",
    "backend_outage", "*", "true", "null", ".inf", "1e309", "0x10",
])
numbers = st.one_of(
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, -1, 1, 2, 3, 999, 1000, 1001, 2**31, 2**63, 10**12, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.inf, -math.inf, math.nan, 0.0, -0.0, 1e-300, 1.0000001, 1.8]),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, weird_strings, st.text(max_size=20))
junk = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(weird_strings, st.text(max_size=8)), inner, max_size=3)),
    max_leaves=8)
small_population = st.one_of(st.integers(-3, 20),
                             st.sampled_from([10**6, 2**63, 10**30, 1.5, math.nan]))


@st.composite
def mutated_config(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        value = draw(st.one_of(
            st.just(DELETE), small_population if path in POPULATION else junk))
        _set(doc, path, value)
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for key in path[:-1]:
        ok = (isinstance(node, dict) and isinstance(node.get(key), dict | list)) or \
            (isinstance(node, list) and isinstance(key, int) and key < len(node))
        if not ok:
            return  # an earlier mutation replaced the parent
        node = node[key]
    last = path[-1]
    if isinstance(node, dict):
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        if value is DELETE:
            del node[last]
        else:
            node[last] = value


BROKEN_YAML = st.sampled_from([
    "", "---\n", "- a\n- b\n", "just text", "name: [unclosed\n", "name: x\n\tagents: []\n",
    "name: x\nname: y\n", "a: &a [*a]\n", "{" * 5000 + "}" * 5000,
    "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(9)) + "name: bomb\nagents: [{version: v1, url: 'http://x'}]\n",
    "name: !!python/object/apply:os.system ['true']\n", "name: !custom x\n",
    "? [a, b]\n: c\n", "name: x\nagents: 1\n<<: {seed: 3}\n",
])


def _validate(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        path = Path(tmp) / "campaign.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        result = runner.invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert errors and str(path) in result.output, result.output


@FUZZ
@given(doc=mutated_config())
def test_mutated_configs_never_show_a_traceback(doc: dict[str, Any]) -> None:
    _validate(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(text=st.one_of(BROKEN_YAML, st.text(max_size=200), st.binary(max_size=100)))
def test_broken_yaml_never_shows_a_traceback(text: str | bytes) -> None:
    _validate(text)


def test_the_base_config_is_valid() -> None:
    """The mutations start from a config that passes (else they would prove nothing)."""
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        path = Path(tmp) / "campaign.yaml"
        path.write_text(yaml.safe_dump(BASE))
        result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ the cases named in issue 12

ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(9))


def _with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        _set(doc, tuple(int(k) if k.isdigit() else k for k in dotted.split("__")), value)
    return doc


def _http(url: str) -> list[dict[str, Any]]:
    return [{"version": "v1", "url": url}]


def _python(target: str) -> list[dict[str, Any]]:
    return [{"version": "v1", "connector": "python", "target": target}]


NAMED_CASES: dict[str, tuple[str | dict[str, Any], str]] = {
    "non-URL agent url": (_with(agents=_http("not a url")), "agents.0.url: must start with"),
    "ftp agent url": (_with(agents=_http("ftp://host/x")), "agents.0.url: must start with"),
    "url with a space": (_with(agents=_http("http://exa mple.com")), "agents.0.url"),
    "url with a bad port": (_with(agents=_http("http://host:99999")), "agents.0.url"),
    "target module missing": (_with(agents=_python("no_such_mod_xyz:make")),
                              "agents.v1.target: module 'no_such_mod_xyz' not found"),
    "target attribute missing": (_with(agents=_python("convsim.core.records:nope")),
                                 "has no attribute 'nope'"),
    "target not module:attr": (_with(agents=_python("justtext")),
                               "agents.0.target: expected 'module:attribute'"),
    "turn_timeout_s inf": (_with(execution__turn_timeout_s=math.inf),
                           "execution.turn_timeout_s: input should be a finite number"),
    "turn_timeout_s nan": (_with(execution__turn_timeout_s=math.nan),
                           "execution.turn_timeout_s"),
    "fault rates sum to 1.8": (_with(perturbations=[{"name": "f", "tool_faults": {
        "*": {"error_rate": 0.9, "timeout_rate": 0.9}}}]), "they must sum to at most 1"),
    "scenarios.n 0 without files": (_with(scenarios__n=0), "scenarios: n is 0 and no files"),
    "no perturbation profile": (_with(perturbations=[]), "perturbations: list should have"),
    "empty name": (_with(name=""), "name: must not be empty"),
    "name ../../escaped": (_with(name="../../escaped"), "name: must be a plain folder name"),
    "absolute name": (_with(name="/tmp/escaped"), "name: must be a plain folder name"),
    "name with a NUL": (_with(name="a\x00b"), "name: must be a plain folder name"),
    "output_dir under a file": (_with(output_dir="blocker/runs"),
                                "output_dir: {tmp}/blocker is not a folder"),
    "alias bomb": (ALIAS_BOMB + yaml.safe_dump(BASE), "values once aliases are expanded"),
    "recursive alias": ("name: x\nagents: &a [*a]\n", "an alias refers to a value"),
    "nesting 5000 deep": ("name: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    "duplicate key": ("name: a\n" + yaml.safe_dump(BASE), "duplicate key 'name'"),
    "huge repetitions": (_with(repetitions=10**9), "repetitions: input should be less than"),
    "huge scenarios.n": (_with(scenarios__n=10**12), "scenarios.n: input should be less than"),
    "plan too large": (_with(scenarios__n=100_000, repetitions=100), "more than 1,000,000"),
    "negative seed": (_with(seed=-1), "seed: input should be greater than or equal to 0"),
    "no emotions": (_with(personas__emotions={}), "personas.emotions: at least one weight"),
    "unknown locale": (_with(personas__locales=["xx_XX"]), "unknown Faker locale(s) ['xx_XX']"),
    "reversed patience": (_with(personas__patience=[5, 2]), "patience: the range is reversed"),
    "replay of generated scenarios": (_with(user_simulator="replay"),
                                      "replay needs scenarios with customer_turns"),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", list(NAMED_CASES))
def test_named_bad_config_is_one_clear_line(case: str, command: str, tmp_path: Path) -> None:
    doc, expected = NAMED_CASES[case]
    (tmp_path / "blocker").write_text("")
    path = tmp_path / "campaign.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True))
    with contextlib.chdir(tmp_path):
        result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{path}: " in result.output, result.output
    assert expected.format(tmp=tmp_path) in " ".join(result.output.split()), result.output
