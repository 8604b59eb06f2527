"""Real HTTP peers on 127.0.0.1 for tests: an OpenAI-compatible chat model and the external algorithm
backend. The `openai` SDK and httpx talk to them over real sockets, so nothing in the client stack is
mocked.

A behaviour says how the server answers and can be swapped between requests (`server.behaviour = ...`):

- `str` — FakeOpenAI: the message content; FakeAlgo: a raw 200 body (for invalid-JSON cases)
- `dict` / `list` — FakeOpenAI: JSON-encoded as the message content; FakeAlgo: the JSON body
- `Sleep(seconds, then)` — wait (interruptibly, so `stop()` never hangs), then answer with `then`
- `Trickle(seconds, then)` — answer with `then`, the body dripping out over `seconds` (a slow peer that
  never lets a per-read timeout fire)
- `Drop()` — close the connection without answering (a peer that crashed mid-request)
- `HttpError(status, body, headers)` — that status with a JSON (or raw) body
- a callable `(request_json) -> (status, body)` — full control; `body` dict/list is JSON-encoded
- a list wrapped in `Sequence([...])` — one behaviour per request, the last one repeating
- `RubricScores(rules, default)` — FakeOpenAI as a rubric scorer: `{"score", "reason"}` chosen by the
  first rule whose text occurs in the request's last user message (the profile it was sent)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = dict | list | str | bytes
DEFAULT_USAGE = {"prompt_tokens": 123, "completion_tokens": 45, "total_tokens": 168}


@dataclass
class Sleep:
    seconds: float
    then: Any = None


@dataclass
class Trickle:
    """Answer with `then`: the status line and headers at once, the body a few bytes at a time spread
    over `seconds`. Every read gets data within ~0.1 s, so only a total deadline ends the wait."""

    seconds: float
    then: Any = None


@dataclass
class Drop:
    """Close the connection without a byte of answer."""


@dataclass
class HttpError:
    status: int = 500
    body: Body = field(default_factory=lambda: {"error": {"message": "fake server error", "type": "server_error"}})
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Sequence:
    """One behaviour per request, in order; the last one answers every later request."""

    items: list[Any]


@dataclass
class RubricScores:
    """A scripted rubric scorer (second-stage screening): answers `{"score": N, "reason": "..."}` for the
    first `(text, score, reason)` rule whose text occurs in the last user message, else `default`."""

    rules: list[tuple[str, int, str]] = field(default_factory=list)
    default: tuple[int, str] = (50, "部分符合评分标准")

    def __call__(self, payload: Any) -> tuple[int, Body]:
        messages = (payload or {}).get("messages") or [{}]
        profile = str(messages[-1].get("content", ""))
        score, reason = next(((s, r) for text, s, r in self.rules if text in profile), self.default)
        content = json.dumps({"score": score, "reason": reason}, ensure_ascii=False)
        return 200, completion(content, model=(payload or {}).get("model", ""), usage=DEFAULT_USAGE)


def closed_port_url(path: str = "") -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused).

    The port was free a moment ago; another process could grab it, but on a test box that race is
    rare enough to be acceptable for a refused-connection case.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of concurrent clients (saturation tests, bench/): the default backlog of 5 drops SYNs.
    request_queue_size = 128
    # A handler stuck on a half-open client would otherwise make server_close() wait for it.
    block_on_close = False
    owner: FakeServer


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no handler thread idles on a keep-alive socket.
    protocol_version = "HTTP/1.0"
    timeout = 10  # bounds reads from a client that connects and never sends
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        owner = self.server.owner
        reply = owner._answer(self.path, {k.lower(): v for k, v in self.headers.items()}, payload)
        if reply is None:  # Drop: no status line, no body
            self.close_connection = True
            return
        status, body, headers, trickle = reply
        if isinstance(body, dict | list):
            data = json.dumps(body, ensure_ascii=False).encode()
            content_type = "application/json"
        elif isinstance(body, str):
            data = body.encode()
            content_type = "application/json"  # the lie is the point of invalid-JSON cases
        else:
            data = body
            content_type = "application/octet-stream"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if trickle > 0:
                self._trickle(data, trickle, owner._stopping)
            else:
                self.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout test); nothing to tell it

    def _trickle(self, data: bytes, seconds: float, stopping: threading.Event) -> None:
        pieces = max(1, min(len(data), round(seconds / 0.1)))
        size = -(-len(data) // pieces)  # ceiling: `pieces` writes cover the body
        self.wfile.flush()
        for start in range(0, len(data), size):
            if start and stopping.wait(seconds / pieces):
                return
            self.wfile.write(data[start : start + size])
            self.wfile.flush()

    def do_GET(self) -> None:
        self.send_error(405)


class FakeServer:
    """Threaded HTTP server on 127.0.0.1:<free port>. Use as a context manager or call `stop()`."""

    paths: tuple[str, ...] = ()

    def __init__(self, behaviour: Any = None):
        self.behaviour = behaviour
        self.requests: list[Any] = []  # parsed JSON bodies, in arrival order (None when not JSON)
        self.headers: list[dict[str, str]] = []  # lower-cased names
        self.request_paths: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._seq_index = 0
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()  # wakes sleeping handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _answer(self, path: str, headers: dict[str, str], payload: Any) -> tuple[int, Body, dict, float] | None:
        """(status, body, headers, seconds to trickle the body over); None: drop the connection."""
        route = path.split("?", 1)[0]
        with self._lock:
            self.requests.append(payload)
            self.headers.append(headers)
            self.request_paths.append(route)
        if self.paths and route not in self.paths:
            return 404, {"error": {"message": f"no route {route}"}}, {}, 0.0
        behaviour = self._next_behaviour()
        trickle = 0.0
        while isinstance(behaviour, Sleep | Trickle):
            if isinstance(behaviour, Trickle):
                trickle = behaviour.seconds
            elif self._stopping.wait(behaviour.seconds):
                return 503, {"error": {"message": "server stopping"}}, {}, 0.0
            behaviour = behaviour.then
        if isinstance(behaviour, Drop):
            return None
        return (*self._resolve(behaviour, payload), trickle)

    def _next_behaviour(self) -> Any:
        behaviour = self.behaviour
        if isinstance(behaviour, Sequence):
            with self._lock:
                index = min(self._seq_index, len(behaviour.items) - 1)
                self._seq_index += 1
            behaviour = behaviour.items[index]
        return behaviour

    def _resolve(self, behaviour: Any, payload: Any) -> tuple[int, Body, dict]:
        # Sleeps and trickles (nesting: Sleep(1, Trickle(5, ...))) were unwrapped by `_answer`.
        if isinstance(behaviour, HttpError):
            return behaviour.status, behaviour.body, dict(behaviour.headers)
        if callable(behaviour):
            status, body = behaviour(payload)
            return status, body, {}
        return 200, self.render(behaviour, payload), {}

    def render(self, behaviour: Any, payload: Any) -> Body:
        """Turn a plain behaviour (str, dict, None) into a 200 body; flavours override."""
        return behaviour if behaviour is not None else {}


class FakeOpenAI(FakeServer):
    """Speaks OpenAI chat completions at POST /v1/chat/completions (and /chat/completions).

    Use `server.base_url` (ends with /v1) as the SDK's `base_url`. `usage=None` leaves usage out
    of the answer, as some OpenAI-compatible servers do.
    """

    paths = ("/v1/chat/completions", "/chat/completions")

    def __init__(self, behaviour: Any = "", *, usage: dict[str, int] | None = DEFAULT_USAGE):
        self.usage = dict(usage) if usage is not None else None
        super().__init__(behaviour)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def render(self, behaviour: Any, payload: Any) -> Body:
        if isinstance(behaviour, dict | list):
            content = json.dumps(behaviour, ensure_ascii=False)
        else:
            content = "" if behaviour is None else str(behaviour)
        return completion(content, model=(payload or {}).get("model", ""), usage=self.usage)


def completion(content: str, *, model: str = "", usage: dict[str, int] | None = None) -> dict:
    """A chat.completion object as the OpenAI API returns it."""
    body: dict[str, Any] = {
        "id": f"chatcmpl-fake{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "system_fingerprint": "fp_fake",
    }
    if usage is not None:
        body["usage"] = usage
    return body


class FakeAlgo(FakeServer):
    """The original external algorithm backend: any POST path answers per the behaviour.

    `algo_answer(message, intent)` builds a success body.
    """

    def __init__(self, behaviour: Any = None):
        super().__init__(behaviour if behaviour is not None else algo_answer("您好", "打招呼"))


def algo_answer(message: str, intent: str = "", *, status: int = 1) -> dict:
    return {"status": status, "data": {"message": message, "last_message_intent": intent}}


__all__ = [
    "FakeAlgo",
    "FakeOpenAI",
    "Drop",
    "FakeServer",
    "HttpError",
    "RubricScores",
    "Sequence",
    "Sleep",
    "Trickle",
    "DEFAULT_USAGE",
    "algo_answer",
    "closed_port_url",
    "completion",
]
