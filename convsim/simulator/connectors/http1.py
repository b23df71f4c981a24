"""A lean HTTP/1.1 keep-alive client for the `http` connector's hot path.

One agent turn is one small JSON POST; aiohttp spends ~0.19 ms of CPU on it (request
and response objects, header multidicts, tracing hooks, charset detection), this client
~0.04 ms (benchmarks/RESULTS.md, "At the speed of the wire, round 3"). It speaks just
what the connector needs over plain `http://`: requests with pre-encoded heads, replies
with Content-Length, chunked or read-to-close bodies, connections kept alive per
host:port. `https://` URLs, credentials in the URL and IPv6 literals stay on aiohttp.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from yarl import URL

IDLE_S = 4.0
"""An idle connection older than this is closed rather than reused: servers close idle
keep-alive connections (uvicorn after 5 s), and a POST sent on a connection the server is
closing may or may not have been seen."""
HEAD_LIMIT = 1 << 20
"""Largest response head (status line and headers) read."""


class NotConnected(Exception):
    """The connection could not be opened: the server never saw the request."""


class Broken(Exception):
    """The connection failed after the request was (maybe) sent, or the reply is not HTTP."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    """Lower-case names; a repeated header keeps its last value."""
    body: bytes

    def text(self) -> str:
        charset = "utf-8"
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def supports(url: URL) -> bool:
    """True when this client can talk to `url` (plain http, no credentials, no IPv6 literal)."""
    return (url.scheme == "http" and url.raw_host is not None and ":" not in url.raw_host
            and url.user is None and url.password is None)


def encode_headers(headers: dict[str, str]) -> bytes:
    """`Name: value\\r\\n` lines; a CR or LF in a name or value is refused (no header
    injection), as aiohttp does."""
    out = []
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n"):
            raise ValueError(f"newline in HTTP header {name!r}")
        out.append(f"{name}: {value}\r\n")
    return "".join(out).encode("latin-1")


class Pool:
    """Keep-alive connections to one host:port, shared by the connectors of a worker."""

    def __init__(self, url: URL) -> None:
        self.host = url.raw_host or ""
        self.port = url.port or 80
        self.host_header = (self.host if url.is_default_port() else f"{self.host}:{self.port}"
                            ).encode("latin-1")
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.closed = False

    def _take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        now = time.monotonic()
        while self._idle:
            reader, writer, since = self._idle.pop()
            if (now - since < IDLE_S and not reader.at_eof() and reader.exception() is None
                    and not writer.transport.is_closing()):
                return reader, writer
            writer.close()
        return None

    async def request(self, method: str, target: str, head: bytes, body: bytes,
                      timeout_s: float) -> Response:
        """Send `method target` with the header lines `head` (Host and Content-Length are
        added) and `body`; the whole exchange within `timeout_s` (TimeoutError)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        conn = self._take()
        if conn is None:
            try:
                async with asyncio.timeout_at(deadline):
                    conn = await asyncio.open_connection(self.host, self.port, limit=HEAD_LIMIT)
            except TimeoutError:
                raise NotConnected(f"connection to {self.host}:{self.port} not opened within "
                                   f"{timeout_s:g}s") from None
            except OSError as exc:
                raise NotConnected(f"cannot connect to {self.host}:{self.port}: "
                                   f"{exc.strerror or exc}") from None
        reader, writer = conn
        keep = False
        try:
            async with asyncio.timeout_at(deadline):
                writer.write(b"%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n%s" % (
                    method.encode(), target.encode("latin-1"), self.host_header, head,
                    len(body), body))
                response, keep = await _read_response(reader, method == "HEAD")
        except TimeoutError:  # an OSError too: not a broken connection
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError, IndexError) as exc:
            raise Broken(_broken(exc, self.host, self.port)) from None
        finally:
            if keep and not self.closed:
                self._idle.append((reader, writer, time.monotonic()))
            else:
                writer.close()
        return response

    def close(self) -> None:
        self.closed = True
        for _reader, writer, _since in self._idle:
            writer.close()
        self._idle.clear()


def _broken(exc: BaseException, host: str, port: int) -> str:
    if isinstance(exc, asyncio.IncompleteReadError):
        return f"server {host}:{port} closed the connection before a whole reply"
    if isinstance(exc, asyncio.LimitOverrunError):
        return f"reply head from {host}:{port} longer than {HEAD_LIMIT} bytes"
    if isinstance(exc, (ValueError, IndexError)):
        return f"malformed HTTP reply from {host}:{port}"
    return f"connection to {host}:{port} failed: {type(exc).__name__}: {exc}"


async def _read_response(reader: asyncio.StreamReader, head_only: bool
                         ) -> tuple[Response, bool]:
    """The next response on `reader` and whether the connection may be reused."""
    while True:
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw[:-4].split(b"\r\n")
        version, status_text = lines[0].split(b" ", 2)[:2]
        status = int(status_text)
        if not version.startswith(b"HTTP/1."):
            raise ValueError("not HTTP/1.x")
        if status >= 200 or status == 101:
            break  # 1xx interim replies (100 Continue, 103 Early Hints) are skipped
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ValueError("header line without a colon")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    connection = headers.get("connection", "").lower()
    keep = (version == b"HTTP/1.1" and "close" not in connection) or (
        version == b"HTTP/1.0" and "keep-alive" in connection)
    if head_only or status in (204, 304) or status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                break
            chunks.append(await reader.readexactly(size))
            if await reader.readexactly(2) != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
        body = b"".join(chunks)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if length < 0:
            raise ValueError("negative Content-Length")
        body = await reader.readexactly(length)
    else:  # read to the end of the connection
        body = await reader.read()
        keep = False
    return Response(status, headers, body), keep
