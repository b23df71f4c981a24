"""Tools forwarded to the team's own staging backend, schemas from its OpenAPI document.

Each OpenAPI operation (with an operationId) becomes a tool: path, query and
JSON-body parameters merged into one argument object. The sandbox still
records every call and injects faults before anything is forwarded; the
backend owns the state. A non-2xx answer is a business error the agent sees.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convsim.core.packs.model import PackError, State, Tool, ToolError, ToolSpec

if TYPE_CHECKING:
    from convsim.core.packs.files import ProxyFile

CONVERSATION_HEADER = "X-Convsim-Conversation"
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (#/components/...)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise PackError(f"OpenAPI: only local $ref are supported, got {ref!r}")
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """(name, method, path, schema, description, locations) of every operation with an id."""
    ops = []
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            op = (item or {}).get(method)
            if not op or not op.get("operationId"):
                continue
            props: dict[str, Any] = {}
            required: list[str] = []
            where: dict[str, str] = {}
            for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
                p = _resolve(doc, p)
                props[p["name"]] = _resolve(doc, p.get("schema") or {"type": "string"})
                where[p["name"]] = p.get("in", "query")
                if p.get("required"):
                    required.append(p["name"])
            body = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
            if body:
                schema = _resolve(doc, body.get("schema") or {})
                for name, prop in (schema.get("properties") or {}).items():
                    props[name] = _resolve(doc, prop)
                    where[name] = "body"
                required += list(schema.get("required") or [])
            ops.append({"name": op["operationId"], "method": method, "path": path,
                        "schema": {"type": "object", "properties": props,
                                   "required": sorted(set(required))},
                        "description": op.get("summary") or op.get("description") or "",
                        "where": where})
    return ops


def _forwarder(op: dict[str, Any], proxy: ProxyFile) -> Any:
    async def run(state: State, args: dict[str, Any]) -> Any:
        import aiohttp

        path = op["path"]
        query, body = {}, {}
        for name, value in args.items():
            loc = op["where"].get(name, "body")
            if loc == "path":
                path = path.replace("{" + name + "}", str(value))
            elif loc == "query":
                query[name] = value if isinstance(value, str) else json.dumps(value)
            else:
                body[name] = value
        headers = dict(proxy.headers)
        if state.get("_conversation_id"):
            headers[CONVERSATION_HEADER] = str(state["_conversation_id"])
        url = proxy.base_url.rstrip("/") + path
        timeout = aiohttp.ClientTimeout(total=proxy.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.request(
                op["method"].upper(), url, params=query or None,
                json=body if op["method"] != "get" else None, headers=headers) as resp:
            text = await resp.text()
        try:
            value = json.loads(text) if text else None
        except ValueError:
            value = text
        if resp.status >= 400:
            raise ToolError(f"{op['name']}: HTTP {resp.status}: {text[:200]}")
        return value

    return run


def proxy_tools(proxy: ProxyFile, root: Path, source: Path) -> list[Tool]:
    """Tools of the proxy section (needs `openapi`, the document describing the backend)."""
    if not proxy.openapi:
        raise PackError(f"{source}: proxy.openapi: the backend's OpenAPI document is needed "
                        "for the tool schemas")
    if not proxy.base_url:
        raise PackError(f"{source}: proxy.base_url: empty (is the environment variable set?)")
    from convsim.core.packs.files import read_data_file

    doc = read_data_file(root / proxy.openapi)
    if not isinstance(doc, dict) or "paths" not in doc:
        raise PackError(f"{root / proxy.openapi}: not an OpenAPI document (no 'paths')")
    ops = operations(doc)
    if proxy.tools is not None:
        unknown = sorted(set(proxy.tools) - {o["name"] for o in ops})
        if unknown:
            raise PackError(f"{source}: proxy.tools: no operation {unknown} in {proxy.openapi}")
        ops = [o for o in ops if o["name"] in proxy.tools]
    return [Tool(spec=ToolSpec(name=o["name"], description=o["description"],
                               parameters=o["schema"]),
                 fn=_forwarder(o, proxy), kind="proxy",
                 escalation="transfer" in o["name"].lower() or "escalat" in o["name"].lower())
            for o in ops]
