"""The external algorithm backend (the original deployment's contract, CONTRACT section 5).

The backend gets the candidate's new lines with contact details and the candidate's name masked (the
conversation id it keys on carries the platform's candidate id, as the contract says); a reply that
addresses the candidate by the mask gets the name back.
"""

from __future__ import annotations

import httpx

from chatbot.contacts import mask_text, unmask_name
from chatbot.types import FINISH, NEED_CONTACT, NORMAL_CHAT, ChatContext, EngineError, EngineReply, EngineTimeout

REFUSAL_INTENT = "拒绝"

# One pool for every external call: connections to the same backend are reused across turns, and the
# limit bounds how many sockets a slow backend can hold.
_client = httpx.Client(
    limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
    follow_redirects=False,
    headers={"User-Agent": "hunter_robot"},
)


def resolve_external_url(robot_api: str, algo_base_url: str) -> str | None:
    """The backend URL for a job's `robotApi`: an http(s) URL as given, a `/path` under
    ALGO_BASE_URL; None when it cannot be resolved (the caller serves the rule engine)."""
    value = (robot_api or "").strip()
    if value.lower().startswith(("http://", "https://")):
        return value
    if value.startswith("/"):
        base = (algo_base_url or "").strip().rstrip("/")
        if base.lower().startswith(("http://", "https://")):
            return base + value
    return None


class ExternalEngine:
    name = "external"

    def __init__(self, url: str):
        self.url = url

    def reply(self, ctx: ChatContext, *, timeout: float) -> EngineReply:
        body = {
            "conversation_id": ctx.conversation_key,
            "message": mask_text(ctx.new_user_text, names=(ctx.candidate_name,)),
            # The backend expects wall-clock time without an offset; the caller picks the zone.
            "message_time": ctx.message_time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        try:
            response = _client.post(self.url, json=body, timeout=httpx.Timeout(max(0.05, timeout)))
        except httpx.TimeoutException:
            raise EngineTimeout(f"timeout after {timeout:.1f}s") from None
        except httpx.HTTPError as exc:
            raise EngineError(f"connection error ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise EngineError(f"HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise EngineError("invalid answer: not JSON") from None
        if not isinstance(payload, dict):
            raise EngineError("invalid answer: not a JSON object")
        status = payload.get("status")
        if status not in (1, "1") or isinstance(status, bool):
            raise EngineError(f"status {str(status)[:16]!r}")
        data = payload.get("data")
        if not isinstance(data, dict):
            raise EngineError("invalid answer: data must be an object")
        message = data.get("message")
        if not isinstance(message, str) or not message.strip():
            raise EngineError("empty message")
        intent = data.get("last_message_intent")
        intent = intent.strip() if isinstance(intent, str) else ""
        content = unmask_name(message.strip(), ctx.candidate_name)
        return EngineReply(next_step=next_step_for(intent, ctx), content=content, intent=intent[:64])


def next_step_for(intent: str, ctx: ChatContext) -> str:
    if intent == REFUSAL_INTENT:
        return FINISH
    if not ctx.has_contact and ctx.user_turns >= 2:
        return NEED_CONTACT
    return NORMAL_CHAT
