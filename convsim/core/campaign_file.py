"""Campaign files: load a campaign YAML and check it against its domain pack.

`load_campaign` reads the file through `yaml_files`, validates it as `config.CampaignConfig`,
resolves its relative paths (agents, scenario files, catalogs, a pack folder) and checks
the pack, the agents, the evaluators (through the registry) and the output folder.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from convsim.core.config import AgentConfig, CampaignConfig, ConfigError
from convsim.core.yaml_files import line_of, load_model, read_yaml, suggest

_PACK_AGENT = re.compile(r"^[\w.-]+:[\w.-]+$")


def check_output_dir(folder: str | Path, what: str) -> None:
    """ConfigError (naming `what`) unless `folder` is, or can be created as, a writable folder."""
    target = Path(folder).expanduser().absolute()
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{what}: {probe} is not a folder, so {target} cannot be created")
    try:  # os.access says yes to root even on a read-only or virtual file system
        if not os.access(probe, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
        fd, name = tempfile.mkstemp(dir=probe, prefix=".convsim-write-check-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ConfigError(f"{what}: {probe} is not writable ({exc.strerror or exc})"
                          + (f"; needed to create {target}" if probe != target else "")) from None


def _check_target(target: str, where: str) -> None:
    """The python connector's factory imports (module and attribute exist, callable)."""
    import importlib

    module, _sep, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"{where}.target: module {exc.name or module!r} not found "
                          f"(in {target!r}; is it installed or on PYTHONPATH?)") from None
    except Exception as exc:  # noqa: BLE001 (the user's module failed to import)
        raise ConfigError(f"{where}.target: importing {module!r} failed: "
                          f"{type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"{where}.target: {module!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ConfigError(f"{where}.target: {target} is not callable (expected a factory "
                          "returning (agent, new_state))")


def _in_process(agent: AgentConfig, yaml_file: str, pack: str | Path, where: str) -> AgentConfig:
    """A YAML reference agent under the python connector runs through its pack's loader."""
    if agent.connector != "python":
        return agent.model_copy(update={"reference": yaml_file})
    from convsim.core.packs.discovery import find_domain

    try:
        loader = find_domain(str(pack)).agent_loader
    except (ConfigError, KeyError, ValueError) as exc:
        raise ConfigError(f"{where}.reference: {exc}") from None
    if loader is None:
        raise ConfigError(f"{where}.reference: pack {pack} runs no agent YAML in-process "
                          "(it has no agent_loader); use connector: http or a target")
    return agent.model_copy(update={"reference": yaml_file, "target": loader})


def _resolve_agent(agent: AgentConfig, base: Path, path: str | Path,
                   domain: str | Path, index: int = 0) -> AgentConfig:
    try:
        return _resolve_agent_paths(agent, base, path, domain)
    except ConfigError as exc:  # the line of the agent's entry in the file
        raise ConfigError(f"{exc}{line_of(path, 'agents', index)}") from None


def _resolve_agent_paths(agent: AgentConfig, base: Path, path: str | Path,
                         domain: str | Path) -> AgentConfig:
    where = f"{path}: agents.{agent.version}"
    if agent.prompt and "\n" not in agent.prompt and agent.prompt.endswith((".md", ".txt")):
        file = Path(agent.prompt) if Path(agent.prompt).is_absolute() else base / agent.prompt
        if not file.is_file():
            raise ConfigError(f"{where}.prompt: file not found: {file}")
        agent = agent.model_copy(update={"prompt": file.read_text(encoding="utf-8")})
    if agent.command is not None:
        return agent.model_copy(update={"workdir": str(base / (agent.workdir or "."))})
    if agent.reference is None:
        if agent.connector == "python" and agent.target:
            _check_target(agent.target, where)
        return agent
    if _PACK_AGENT.match(agent.reference) and not (base / agent.reference).is_file():
        from convsim.core.packs.discovery import find_domain

        pack, _, version = agent.reference.partition(":")
        agents = find_domain(pack).agents
        if version not in agents:
            raise ConfigError(f"{where}.reference: pack {pack!r} has no reference agent "
                              f"{version!r}; it has: {', '.join(agents) or 'none'}")
        target = agents[version]
        if _PACK_AGENT.match(target) and not Path(target).is_file():  # module:attr
            if agent.connector != "python":
                raise ConfigError(f"{where}.reference: {agent.reference} is an in-process agent; "
                                  "use connector: python")
            _check_target(target, where)
            return agent.model_copy(update={"reference": None, "target": target})
        return _in_process(agent, target, pack, where)
    ref = Path(agent.reference)
    ref = ref if ref.is_absolute() else base / ref
    if not ref.is_file():
        raise ConfigError(f"{where}.reference: file not found: {ref}")
    return _in_process(agent, str(ref), domain, where)


def _holds_scenarios(path: str) -> bool:
    """Whether a scenario file holds anything: a JSON Lines file (any size) is not parsed
    here, only looked at for a non-blank line; a YAML file is read."""
    if Path(path).suffix.lower() in (".jsonl", ".ndjson"):
        with open(path, "rb") as f:
            return any(line.strip() for line in f)
    return bool(read_yaml(path))


def load_campaign(path: str | Path) -> CampaignConfig:
    """Load a campaign YAML and check it against its domain pack.

    Relative paths (agents, scenario files, catalogs, a pack folder) resolve
    against the file's folder; the pack must load and know the named agents.
    """
    config = load_model(path, CampaignConfig)
    base = Path(path).resolve().parent
    from convsim.core.packs.discovery import is_folder_ref

    pack: str | Path = config.scenarios.domain
    if is_folder_ref(str(pack)) or (base / pack / "domain.yaml").is_file():
        pack = (base / Path(pack).expanduser()).resolve()
    update: dict[str, Any] = {"agents": [_resolve_agent(a, base, path, pack, i)
                                         for i, a in enumerate(config.agents)]}
    files = []
    for i, f in enumerate(config.scenarios.files):
        full = Path(f) if Path(f).is_absolute() else base / f
        if not full.is_file():
            raise ConfigError(f"{path}: scenarios.files: file not found: {full}"
                              f"{line_of(path, 'scenarios', 'files', i)}")
        files.append(str(full))
    if config.scenarios.n == 0 and not any(_holds_scenarios(f) for f in files):
        raise ConfigError(f"{path}: scenarios.files: the files hold no scenarios and "
                          "scenarios.n is 0: the campaign would have no conversations"
                          f"{line_of(path, 'scenarios', 'files')}")
    scen_update: dict[str, Any] = {"files": files}
    from convsim.core.packs.discovery import find_domain, is_folder_ref

    domain_ref = config.scenarios.domain
    if is_folder_ref(domain_ref) or (base / domain_ref / "domain.yaml").is_file():
        folder = Path(domain_ref).expanduser()
        domain_ref = str(folder if folder.is_absolute() else (base / folder).resolve())
        scen_update["domain"] = domain_ref
    try:
        domain = find_domain(domain_ref)
    except ConfigError as exc:
        raise ConfigError(f"{path}: scenarios.domain: {exc}"
                          f"{line_of(path, 'scenarios', 'domain')}") from None
    for i, profile in enumerate(config.perturbations):
        unknown_tools = sorted(t for t in profile.tool_faults if t != "*" and t not in domain.tools)
        if unknown_tools:
            raise ConfigError(
                f"{path}: perturbations.{i} ({profile.name}).tool_faults: "
                f"{', '.join(map(repr, unknown_tools))} is not a tool of domain {domain.name} "
                f"(its tools: {', '.join(domain.tools)})"
                f"{line_of(path, 'perturbations', i, 'tool_faults')}")
    for section in ("scenarios", "personas"):
        sub = getattr(config, section)
        if sub.catalog:
            folder = Path(sub.catalog) if Path(sub.catalog).is_absolute() else base / sub.catalog
            if not (folder / "catalog.yaml").is_file():
                raise ConfigError(f"{path}: {section}.catalog: no catalog at {folder} "
                                  "(build one with convsim mine)"
                                  f"{line_of(path, section, 'catalog')}")
            if section == "scenarios":
                scen_update["catalog"] = str(folder)
            else:
                update["personas"] = sub.model_copy(update={"catalog": str(folder)})
    update["scenarios"] = config.scenarios.model_copy(update=scen_update)
    # Paths written in the file are relative to it; defaults stay in the working directory.
    output_dir = config.output_dir
    if "output_dir" in config.model_fields_set:
        output_dir = str(_beside(base, output_dir))
        update["output_dir"] = output_dir
    if config.llm.cache_dir and "cache_dir" in config.llm.model_fields_set:
        update["llm"] = config.llm.model_copy(
            update={"cache_dir": str(_beside(base, config.llm.cache_dir))})
    from convsim.core.registry import REGISTRIES, evaluators  # installed plug-ins, module:attr

    named: list[tuple[tuple[str | int, ...], str, str]] = [
        (("agents", i, "connector"), "connectors", a.connector) for i, a in enumerate(config.agents)]
    named += [(("user_simulator",), "customers", config.user_simulator),
              (("execution", "executor"), "executors", config.execution.executor)]
    for where, kind, name in named:
        if not REGISTRIES[kind].knows(name):
            raise ConfigError(f"{path}: {'.'.join(map(str, where))}: "
                              f"{REGISTRIES[kind].describe_unknown(name)}{line_of(path, *where)}")
    unknown = [e for e in config.evaluators if not evaluators.knows(e)]
    if unknown:
        raise ConfigError(f"{path}: evaluators: unknown evaluator(s) {unknown}"
                          f"{suggest(unknown[0], known_evaluators())}; "
                          f"known: {sorted(known_evaluators())}{line_of(path, 'evaluators')}")
    try:
        check_output_dir(output_dir, f"{path}: output_dir")
    except ConfigError as exc:
        raise ConfigError(f"{exc}{line_of(path, 'output_dir')}") from None
    return config.model_copy(update=update)


def _beside(base: Path, path: str) -> Path:
    """`path` (with ~ expanded) if absolute, else relative to the campaign file's folder."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def known_evaluators() -> list[str]:
    from convsim.core.registry import evaluators

    return evaluators.names()


def llm_models(config: CampaignConfig) -> list[str]:
    """The litellm models a campaign calls: the simulated customer's (llm customer), the
    openai agents', and the judge's (judge evaluator)."""
    models = [config.llm.model] if config.user_simulator == "llm" else []
    models += [a.model for a in config.agents if a.connector == "openai" and a.model]
    if "judge" in config.evaluators:
        models.append(config.judge.model)
    return list(dict.fromkeys(models))


def budget_warning(config: CampaignConfig) -> str | None:
    """Said at the start of a run whose budget cannot see what some of its models cost."""
    if config.llm.budget_usd is None:
        return None
    models = llm_models(config)
    if not models:
        return None
    from convsim.core.llm import unpriced_models

    unpriced = unpriced_models(models, config.llm.prices)
    if not unpriced:
        return None
    return (f"llm.budget_usd is ${config.llm.budget_usd:g} but {', '.join(unpriced)} "
            f"{'has' if len(unpriced) == 1 else 'have'} no known price: their calls are not "
            "counted against the budget; give their price in llm.prices "
            "(input_usd_per_mtok, output_usd_per_mtok)")
