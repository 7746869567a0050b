"""A small OpenAI-compatible HTTP server that replays scripted chat completions.

It speaks the real wire protocol on loopback (JSON and server-sent-event streaming), so the real
openai client and ChatOpenAI are exercised end to end; it records every request it receives.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass

from tests.loopback import LoopbackServer, QuietHandler


@dataclass
class Reply:
    """One scripted response: text, an HTTP error status, a delay, or a broken body."""

    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    raw_body: str | None = None


class ScriptedLLM(LoopbackServer):
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.default = Reply(status=500, text="no reply scripted")
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def enqueue(self, *replies: Reply | str) -> None:
        for reply in replies:
            self.replies.append(Reply(text=reply) if isinstance(reply, str) else reply)

    def handler(self):
        scripted = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                scripted.requests.append(body)
                reply = scripted.replies.popleft() if scripted.replies else scripted.default
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._send(
                        reply.status,
                        json.dumps({"error": {"message": reply.text, "type": "scripted"}}),
                    )
                elif reply.raw_body is not None:
                    self._send(200, reply.raw_body)
                elif body.get("stream"):
                    self._stream(reply.text, body.get("model", "scripted"))
                else:
                    self._send(200, json.dumps(completion(reply.text, body.get("model"))))

            def _send(self, status: int, payload: str) -> None:
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for token in tokens(text):
                    self.wfile.write(f"data: {json.dumps(chunk(token, model))}\n\n".encode())
                    self.wfile.flush()
                final = chunk(None, model)
                self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        return Handler


def tokens(text: str) -> list[str]:
    """Split like a tokenizer would: words with their leading space."""
    parts, current = [], ""
    for ch in text:
        if ch == " " and current:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current] if current else parts


def completion(text: str, model: str | None) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model or "scripted",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(token: str | None, model: str) -> dict:
    delta = {"content": token} if token is not None else {}
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "delta": delta, "finish_reason": None if token is not None else "stop"}
        ],
    }
