"""A connector for agents served on a REST channel in the style of Rasa's.

POST {url}/webhooks/rest/webhook with {"sender": <conversation id>, "message": <text>};
the agent answers with a list of messages, [{"text": ...}, {"custom": {"handoff": true}}].
"""

from __future__ import annotations

from typing import Any

import aiohttp

from convsim import AgentProtocolError, AgentReply, AgentUnavailable


class RestChannelConnector:
    def __init__(self, version: str, url: str, session: aiohttp.ClientSession,
                 timeout_s: float, path: str) -> None:
        self.version = version
        self._endpoint = url.rstrip("/") + path
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, conversation_id: str, text: str, sandbox: Any,
                   sandbox_url: str) -> AgentReply:
        body = {"sender": conversation_id, "message": text}
        headers = {"X-Convsim-Sandbox-Url": sandbox_url,
                   "X-Convsim-Conversation": conversation_id}
        try:
            async with self._session.post(self._endpoint, json=body, headers=headers,
                                          timeout=self._timeout) as resp:
                if resp.status >= 500:
                    raise AgentUnavailable(f"{self._endpoint}: HTTP {resp.status}")
                messages = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AgentUnavailable(f"{self._endpoint}: {type(exc).__name__}") from None
        if not isinstance(messages, list):
            raise AgentProtocolError(f"{self._endpoint}: expected a list of messages")
        said = " ".join(m["text"] for m in messages if isinstance(m, dict) and "text" in m)
        custom = [m.get("custom") or {} for m in messages if isinstance(m, dict)]
        return AgentReply(text=said, handoff=any(c.get("handoff") for c in custom),
                          end=any(c.get("end") for c in custom))

    async def close(self, conversation_id: str) -> None:
        """The channel keeps no per-conversation state on our side."""


def make(version: str, url: str | None, session: aiohttp.ClientSession, timeout_s: float,
         options: dict[str, Any]) -> RestChannelConnector:
    """The connector of one agent version (convsim passes only these settings)."""
    if not url:
        raise ValueError(f"agent {version}: the acme-rest connector needs 'url'")
    return RestChannelConnector(version, url, session, timeout_s,
                                str(options.get("path", "/webhooks/rest/webhook")))
