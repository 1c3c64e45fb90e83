"""The web chat: Gradio around a Retriever it is given. No retrieval logic lives here.

python app.py [--host H] [--port P] [--index DIR] [--model NAME_OR_PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import logging
import math
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.faces.common import mode_options, quiet_libraries
from qa.text.safety import literal, strip_format

if TYPE_CHECKING:
    import gradio as gr

    from qa.ask.answer import Retriever
    from qa.ask.reply import Answer
    from qa.ask.search import Hit

log = logging.getLogger("qa.faces.web")

ANYONE = "Anyone"
MAX_QUEUE = 256
CONCURRENCY = 4
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
MAX_BODY = 2 * 1024 * 1024  # bytes of one request: an article at its size limit, or a long chat, fits
ALL = ""  # the article picker's value for "every article"
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm"]
MAX_UPLOAD_MB = 2  # the article size limit (qa.reading.MAX_BYTES)
UPLOAD_QUOTA = 20 * 1024 * 1024  # bytes of uploads waiting to be read; more are refused (429)
UPLOAD_MAX_AGE = 120  # seconds an upload not read yet is kept (checked every minute)
MAX_QUOTES = 20
ECHO_CHARS = 300  # how much of a refused, over-long question the chat shows back
MAX_MESSAGES = 200  # chat messages kept (the oldest go first); each turn is two

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class RequestGuard:
    """ASGI middleware: refuse over-large request bodies, cross-origin posts, and any upload
    but one article file of the panel's types within the upload folder's quota; never serve
    an uploaded file back. In read-only mode every upload is refused.

    A body with a length over the limit is refused before it is read, so a refusal costs no
    memory; a body sent without a length is counted as it arrives and cut off at the limit.
    """

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        max_body: int = MAX_BODY,
        *,
        read_only: bool = False,
        uploads: Path | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.read_only = read_only
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")
        refusal = self._refusal(scope["method"], path, headers)
        if refusal:
            await _drain(receive)
            await _refuse(send, *refusal)
            return
        if path.rstrip("/").endswith("/upload"):
            await self._upload(scope, receive, send, headers)
            return
        await self._bounded(scope, receive, send, headers)

    def _refusal(self, method: str, path: str, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        """(status, why) for a request refused on its line and headers alone, else None."""
        if "/file=" in path or "/file/" in path:
            return 404, "files are not served"
        origin = headers.get(b"origin")
        if method not in ("GET", "HEAD", "OPTIONS") and origin is not None:
            host = headers.get(b"host", b"").decode("latin-1")
            if origin.decode("latin-1").split("://", 1)[-1].rstrip("/") != host:
                return 403, "cross-origin requests are refused"
        if path.rstrip("/").endswith("/upload"):
            if self.read_only:
                return 403, "this chat is read-only: it takes no uploads"
            if self.uploads is not None and _folder_bytes(self.uploads) > UPLOAD_QUOTA:
                return 429, "too many uploads waiting; try again in a few minutes"
        return None

    async def _upload(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
        """Read the whole (bounded) body, check it holds one article file, then pass it on."""
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _drain(receive)
            await _refuse(send, 413, f"request body over {self.max_body} bytes")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _drain(receive)
                await _refuse(send, 413, f"request body over {self.max_body} bytes")
                return
            if not message.get("more_body", False):
                break
        problem = upload_problem(headers.get(b"content-type", b""), bytes(body))
        if problem:
            await _refuse(send, 415 if "type" in problem else 400, problem)
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _drain(receive)  # read and drop it, so the client hears the answer
            await _refuse(send, 413, f"request body over {self.max_body} bytes")
            return
        received = 0
        started = False

        async def counted() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            await _drain(receive)
            if not started:
                await _refuse(send, 413, f"request body over {self.max_body} bytes")


class _TooLarge(Exception):
    pass


def upload_problem(content_type: bytes, body: bytes) -> str | None:
    """Why a multipart upload is refused (not exactly one file, or not a panel type), or None."""
    marker = b"boundary="
    at = content_type.find(marker)
    if not content_type.startswith(b"multipart/form-data") or at < 0:
        return "an upload must be multipart/form-data"
    boundary = content_type[at + len(marker) :].split(b";")[0].strip().strip(b'"')
    names = []
    for part in body.split(b"--" + boundary)[1:]:
        head = part.split(b"\r\n\r\n", 1)[0]
        found = head.find(b'filename="')
        if found >= 0:
            names.append(head[found + 10 :].split(b'"', 1)[0].decode("utf-8", "replace"))
    if len(names) != 1:
        return f"upload one file at a time ({len(names)} sent)"
    if Path(names[0]).suffix.lower() not in UPLOAD_TYPES:
        return f"file type not taken: upload a {', '.join(UPLOAD_TYPES)} file"
    return None


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            total += path.stat().st_size if path.is_file() else 0
    return total


DRAIN_LIMIT = 256 * 1024 * 1024  # bytes read and dropped from a refused body before hanging up


async def _drain(receive: Receive) -> None:
    """Read a refused request body to its end without keeping it: memory stays flat."""
    dropped = 0
    while dropped <= DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class OneLineErrors:
    """Stands in for the `traceback` module where Gradio prints a failed event: Gradio prints
    the whole traceback with every item of a malformed payload (60,000 items: 10 MB of log);
    this logs one line, cut short, per failed request."""

    @staticmethod
    def print_exc(*args: Any, **kwargs: Any) -> None:
        exc = sys.exc_info()[1]
        text = " ".join(str(exc).split())
        log.error("a request failed: %s: %s", type(exc).__name__, text[:300] + ("\u2026" if len(text) > 300 else ""))

    def __getattr__(self, name: str) -> Any:
        import traceback

        return getattr(traceback, name)


def quiet_gradio_errors() -> None:
    """One log line per failed request (see OneLineErrors)."""
    import gradio.queueing
    import gradio.route_utils

    for module in (gradio.queueing, gradio.route_utils):
        module.traceback = OneLineErrors()  # type: ignore[attr-defined]


def public_source(source: str) -> str:
    """Where an article came from, for web clients: a file's name, never a path on the server."""
    from qa.index.store import BUNDLED

    name = Path(source.removeprefix(BUNDLED)).name
    return name or source


def quote_count(value: object, name: str = "k") -> int:
    """A number of quotes from what a client sent: a whole number from 1 to MAX_QUOTES."""
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = float(value.strip())
    if number is None or not math.isfinite(number) or number != int(number) or not 1 <= number <= MAX_QUOTES:
        raise ValueError(f"{name} must be a whole number from 1 to {MAX_QUOTES}")
    return int(number)


def check_speaker(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise ValueError("speaker must be a name (text) or null")


def check_doc(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise ValueError("doc must be an article's doc id (text) or null")


def check_history(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple) and all(isinstance(turn, str) for turn in value):
        return list(value)
    raise ValueError("history must be a list of earlier questions (text)")


def echo(message: str) -> str:
    """The user's words for their bubble: verbatim, and shortened when over the limit."""
    from qa.ask.question import MAX_QUESTION_CHARS
    from qa.ask.render import verbatim

    if len(message) <= MAX_QUESTION_CHARS:
        return verbatim(message) or "(empty)"
    return f"{verbatim(message[:ECHO_CHARS])}\u2026 *({len(message):,} characters in all; not kept)*"


def _highlight(paragraph: str, hit: Hit) -> str:
    """The paragraph as safe HTML with the hit's quoted words (or the hit itself) marked."""
    wanted = [q for q in hit.quotes if q.strip()] or [hit.text]
    spans: list[tuple[int, int]] = []
    for words in wanted:
        at = paragraph.find(words)
        if at >= 0:
            spans.append((at, at + len(words)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(paragraph[pos:start]))
        out.append(f"<mark>{html.escape(paragraph[start:end])}</mark>")
        pos = end
    out.append(html.escape(paragraph[pos:]))
    return "".join(out)


class ChatApp:
    """The chat's behaviour, kept apart from the layout so it can be tested directly."""

    def __init__(self, retriever: Retriever, *, worker: bool = False) -> None:
        """`worker`: add articles in a worker process with a time limit (qa.worker), as the app does."""
        import threading

        self.retriever = retriever
        self.worker = worker
        self._changing = threading.Lock()  # one library change at a time; answers go on meanwhile
        self._stamp = self._index_stamp()
        self._failed = -1  # the stamp of an index on disk that failed to load: not tried again

    def _index_stamp(self) -> int:
        try:
            return (self.retriever.index.folder / "manifest.json").stat().st_mtime_ns
        except OSError:
            return 0

    def refresh(self) -> None:
        """Load the index again when it changed on disk (`qa add` run beside the chat).

        When the changed index cannot be loaded, the one in memory goes on serving; the failure
        is logged once, and tried again only when the index on disk changes again."""
        from qa.errors import QAError

        if self._index_stamp() not in (self._stamp, self._failed):
            with self._changing:
                stamp = self._index_stamp()
                if stamp not in (self._stamp, self._failed):
                    log.info("the index changed on disk; loading it again")
                    try:
                        self.reload()
                    except QAError as exc:
                        self._failed = stamp
                        log.error("the changed index could not be loaded; still serving the one loaded before: %s", exc)

    def speakers(self) -> list[str]:
        """The speaker filter's names, as shown: invisible format characters dropped, so two
        names that look alike are one entry."""
        return [ANYONE, *dict.fromkeys(strip_format(s.name) for s in self.retriever.speakers)]

    def _speaker(self, shown: str) -> str:
        """The index's name for a name as the filter shows it."""
        names = [s.name for s in self.retriever.speakers]
        return shown if shown in names else next((n for n in names if strip_format(n) == shown), shown)

    # ------------------------------------------------------------ the library

    def library(self) -> Any:
        from qa.index.library import Library

        return Library(self.retriever.index.folder, embedder=self.retriever.embedder)

    def articles(self) -> list[Any]:
        """The articles of the index as loaded (loaded again first if it changed on disk)."""
        from qa.index.library import describe

        self.refresh()
        return describe(self.retriever.index.manifest, self.retriever.index)

    def documents(self) -> list[list[object]]:
        """The articles panel: one row per article."""
        return [
            [d.title, d.doc, d.paragraphs, d.speakers, d.added.replace("T", " ").rstrip("Z")] for d in self.articles()
        ]

    def doc_choices(self, *, every: bool = True) -> list[tuple[str, str]]:
        """(label, doc id) for the article pickers."""
        docs = [(f"{d.title} ({d.doc})" if d.title != d.doc else d.doc, d.doc) for d in self.articles()]
        return [("All articles", ALL), *docs] if every else docs

    def add_article(self, text: str | None, upload: str | None, title: str | None) -> str:
        """Add a pasted or uploaded article; the upload is deleted once read. Returns a status line."""
        from qa.errors import QAError
        from qa.text.reading import MAX_BYTES

        try:
            if upload:
                path = Path(upload)
                try:
                    if path.suffix.lower() not in UPLOAD_TYPES:
                        raise ValueError(f"upload a {', '.join(UPLOAD_TYPES)} file")
                    if path.stat().st_size > MAX_BYTES:
                        raise ValueError(f"the file is over {MAX_BYTES:,} bytes")
                    raw = path.read_bytes()
                finally:
                    path.unlink(missing_ok=True)
                name, source, suffix = (title or "").strip() or path.stem, path.name, path.suffix.lower()
                given = (title or "").strip() or None
            elif text and text.strip():
                name = (title or "").strip()
                if not name:
                    raise ValueError("give the pasted article a title")
                raw = text.encode("utf-8")
                if len(raw) > MAX_BYTES:
                    raise ValueError(f"the text is over {MAX_BYTES:,} bytes")
                source, suffix, given = "pasted", "", name
            else:
                raise ValueError("paste an article or choose a file")
            with self._changing:
                doc, shown, what = self._add(raw, name=name, source=source, title=given, suffix=suffix)
                self.reload()
        except (QAError, ValueError) as exc:
            return f"**Not added:** {literal(self._public(exc))}"
        except OSError as exc:
            log.error("adding an article failed: %s", exc)
            return f"**Not added:** {literal(exc.strerror or 'the index could not be written')}"
        return f"**{literal(shown)}** ({literal(doc)}): {what}."

    def _add(self, raw: bytes, *, name: str, source: str, title: str | None, suffix: str) -> tuple[str, str, str]:
        """(doc, title, outcome) of one article added: in a worker process with a time limit when
        the app runs one (reading and embedding never slow the chat), else here."""
        if self.worker:
            from qa.index.worker import add_bytes

            return add_bytes(self.retriever.index.folder, raw, name=name, source=source, title=title, suffix=suffix)
        from qa.text.reading import from_bytes

        item = from_bytes(raw, name=name, source=source, title=title, suffix=suffix)
        doc, what = next(iter(self.library().add([item]).items()))
        return doc, item.title, what

    def remove_article(self, doc: str | None) -> str:
        from qa.errors import QAError

        if not doc:
            return "**Choose an article to remove.**"
        try:
            with self._changing:
                gone = self.library().remove(doc)
                self.reload()
        except QAError as exc:
            return f"**Not removed:** {literal(self._public(exc))}"
        except OSError as exc:
            log.error("removing an article failed: %s", exc)
            return f"**Not removed:** {literal(exc.strerror or 'the index could not be written')}"
        return f"**{literal(gone.title)}** ({literal(gone.doc)}): removed."

    def _public(self, exc: Exception) -> str:
        """An error's one line for web visitors: the index's place on the server not named."""
        folder = self.retriever.index.folder
        text = str(exc)
        for name in {str(folder.resolve()), str(folder)}:
            text = text.replace(name, "the index")
        return text

    def reload(self) -> None:
        """Load the changed index; the encoder already loaded is reused."""
        from qa.ask.answer import Retriever

        folder = self.retriever.index.folder
        self.retriever = Retriever.load(folder, embedder=self.retriever.embedder)
        self._stamp = self._index_stamp()

    def examples(self) -> list[str]:
        """Example questions drawn from whatever article is indexed."""
        people = [s for s in self.retriever.speakers if s.kind == "person" and s.named]
        examples = []
        if people:
            examples.append(f"Who is {people[0].name}?")
            examples.append(f"What did {people[-1].name} say about the future?")
            examples.append("What else did they say?")
        sources = [s for s in self.retriever.speakers if s.kind == "organization"]
        if sources:
            examples.append(f"What did the {sources[0].role or 'organization'} find?")
        examples.append("What is the article about?")
        return examples

    def source_view(self, hit: Hit) -> str:
        """A collapsed view of the whole paragraph, with the quoted words marked."""
        paragraph = self.retriever.paragraph_text(hit.doc, hit.paragraph)
        return (
            f"<details><summary>Source: paragraph {hit.paragraph} of {html.escape(hit.title or hit.doc)}</summary>"
            f"<p>{_highlight(paragraph, hit)}</p></details>"
        )

    def reply(self, answer: Answer) -> str:
        """The answer's Markdown with an openable source view under every quote."""
        return answer.render(after=self.source_view)

    def answer(
        self, question: str, turns: Sequence[str], speaker: str | None, k: object, doc: str | None = None
    ) -> Answer:
        who = None if not speaker or speaker == ANYONE else self._speaker(speaker)
        self.refresh()
        return self.retriever.answer(question, history=list(turns), k=quote_count(k), speaker=who, doc=doc or None)

    def respond(
        self,
        message: str,
        chat: list[dict[str, Any]] | None,
        turns: list[str] | None,
        speaker: str | None,
        k: float,
        doc: str | None = None,
    ) -> tuple[list[dict[str, Any]], list[str], str]:
        """One chat turn: the user's words shown as typed, then the answer."""
        from qa.ask.question import MAX_QUESTION_CHARS
        from qa.ask.render import verbatim
        from qa.errors import BadQuestionError, QAError, SourceError

        chat = list(chat or [])[-MAX_MESSAGES + 2 :]
        turns = [t for t in (turns or []) if isinstance(t, str)]
        message = message if isinstance(message, str) else ""
        shown = echo(message)
        try:
            answer = self.answer(message, turns, check_speaker(speaker), k, check_doc(doc))
            text = self.reply(answer)
        except BadQuestionError as exc:
            text = f"**I can't take that question:** {verbatim(str(exc))}."
        except (ValueError, SourceError) as exc:
            text = f"**I can't use that setting:** {verbatim(str(exc))}."
        except QAError as exc:
            log.error("answering failed: %s", exc)
            text = "**Something is wrong with the index.** The server's log says what; try again later."
        chat += [{"role": "user", "content": shown}, {"role": "assistant", "content": text}]
        # nothing over-long stays in the state that comes back on every turn
        turns.append(message[: MAX_QUESTION_CHARS + 1])
        return chat, turns[-MAX_MESSAGES // 2 :], ""

    def retry(
        self,
        chat: list[dict[str, Any]] | None,
        turns: list[str] | None,
        speaker: str | None,
        k: float,
        doc: str | None = None,
    ) -> tuple[list[dict[str, Any]], list[str]]:
        chat, turns = list(chat or []), list(turns or [])
        if not turns:
            return chat, turns
        last = turns.pop()
        chat, turns, _ = self.respond(last, chat[:-2], turns, speaker, k, doc)
        return chat, turns

    def undo(
        self, chat: list[dict[str, Any]] | None, turns: list[str] | None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        return list(chat or [])[:-2], list(turns or [])[:-1]

    def api_ask(
        self, question: object, history: object = None, speaker: object = None, k: object = 3, doc: object = None
    ) -> dict[str, Any]:
        """Structured answer: quotes with text, speaker, role, kind, paragraph, score; abstained flag.

        Raises:
            ValueError naming the argument that is not usable.
        """
        from qa.errors import BadQuestionError, QAError, SourceError

        if not isinstance(question, str):
            raise ValueError("question must be text")
        turns, who, count = check_history(history), check_speaker(speaker), quote_count(k)
        try:
            answer = self.answer(question, turns, who, count, check_doc(doc))
        except BadQuestionError as exc:
            return {"error": str(exc), "abstained": True, "quotes": [], "message": str(exc)}
        except SourceError as exc:  # an unknown doc
            raise ValueError(str(exc)) from None
        except QAError as exc:
            log.error("answering failed: %s", exc)
            raise ValueError("something is wrong with the index; the server's log says what") from None
        data = answer.to_json()
        data["quotes"] = data.pop("hits")  # the API speaks of quotes
        return data


def build(retriever: Retriever, *, read_only: bool = False) -> gr.Blocks:
    """The Gradio Blocks app around a loaded retriever; `read_only`: no adding or removing articles."""
    import gradio as gr

    chat_app = ChatApp(retriever, worker=True)
    with gr.Blocks(title="Ask the article", delete_cache=(60, UPLOAD_MAX_AGE)) as demo:
        gr.Markdown(
            "## Ask the article\nAnswers are the article's own words: each quote verbatim, with who said it, "
            "their role and the paragraph. When the article does not say, the bot tells you."
        )
        picker, speaker, k, chatbot, turns, box, send = _chat_controls(chat_app)

        table, status, controls = _articles_panel(chat_app, read_only)

        def refreshed(message: str, chosen: str | None) -> tuple[Any, ...]:
            choices = chat_app.doc_choices()
            keep = chosen if chosen in {c[1] for c in choices} else ALL
            removable = () if read_only else (gr.Dropdown(choices=chat_app.doc_choices(every=False), value=None),)
            return (
                message,
                chat_app.documents(),
                gr.Dropdown(choices=choices, value=keep),
                *removable,
                gr.Dropdown(choices=chat_app.speakers(), value=ANYONE),
            )

        def on_add(
            text: str,
            file: str | None,
            name: str,
            chosen: str | None,
            progress=gr.Progress(),  # noqa: B008 (how Gradio asks for a progress bar)
        ) -> tuple[Any, ...]:
            progress(0.1, desc="reading and attributing the article")
            message = chat_app.add_article(text, file, name)
            progress(1.0, desc="indexed")
            return (*refreshed(message, chosen), "", None, "")

        def on_remove(doc: str | None, chosen: str | None) -> tuple[Any, ...]:
            return refreshed(chat_app.remove_article(doc), chosen)

        listing = [status, table, picker, speaker] if controls is None else [status, table, picker, controls[4], speaker]

        def on_load(chosen: str | None) -> tuple[Any, ...]:
            chat_app.refresh()
            return refreshed("", chosen)

        demo.load(on_load, [picker], listing, api_visibility="private")
        if controls is not None:
            title, pasted, upload, add, gone, remove = controls
            add.click(
                on_add, [pasted, upload, title, picker], [*listing, pasted, upload, title], api_visibility="private"
            )
            remove.click(on_remove, [gone, picker], listing, api_visibility="private")

        inputs = [box, chatbot, turns, speaker, k, picker]
        outputs = [chatbot, turns, box]
        box.submit(chat_app.respond, inputs, outputs, api_name="chat")
        send.click(chat_app.respond, inputs, outputs, api_visibility="private")
        chatbot.retry(chat_app.retry, [chatbot, turns, speaker, k, picker], [chatbot, turns], api_visibility="private")
        chatbot.undo(chat_app.undo, [chatbot, turns], [chatbot, turns], api_visibility="private")
        chatbot.clear(lambda: [], None, turns, api_visibility="private")
        _register_api(chat_app)
    demo.queue(max_size=MAX_QUEUE, default_concurrency_limit=CONCURRENCY)
    return demo



def _chat_controls(chat_app: ChatApp) -> tuple[Any, ...]:
    """The pickers, the chat and the question box: (picker, speaker, k, chatbot, turns, box, send)."""
    import gradio as gr

    from qa.ask.question import MAX_QUESTION_CHARS

    with gr.Row():
        picker = gr.Dropdown(chat_app.doc_choices(), value=ALL, label="Article", scale=3, elem_id="article-picker")
        speaker = gr.Dropdown(chat_app.speakers(), value=ANYONE, label="Only quotes from", scale=3)
        k = gr.Slider(1, 10, value=3, step=1, label="Quotes to show", scale=2)
    chatbot = gr.Chatbot(
        elem_id="chat",
        height=520,
        sanitize_html=True,
        render_markdown=True,
        latex_delimiters=[],  # a "$" in a question or an article is money, not maths
        buttons=["copy"],
        feedback_options=None,
        placeholder="Ask who said what, and what the article reports.",
    )
    turns = gr.State([])
    with gr.Row():
        box = gr.Textbox(
            placeholder="Ask a question about the article",
            show_label=False,
            scale=8,
            elem_id="question",
            max_lines=4,
            submit_btn=False,
        )
        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
    gr.Examples(chat_app.examples(), inputs=box, label="Try")
    gr.Markdown(f"Questions longer than {MAX_QUESTION_CHARS} characters are refused.", elem_classes="note")
    return picker, speaker, k, chatbot, turns, box, send


def _articles_panel(chat_app: ChatApp, read_only: bool) -> tuple[Any, Any, tuple[Any, ...] | None]:
    """The Articles panel: its list, its status line and, unless read-only, the controls that
    change the index (title, pasted text, upload, add, the article to remove, remove)."""
    import gradio as gr

    controls = None
    with gr.Accordion("Articles", open=False, elem_id="articles"):
        table = gr.Dataframe(
            chat_app.documents(),
            headers=["title", "doc", "paragraphs", "speakers", "added (UTC)"],
            interactive=False,
            elem_id="article-list",
        )
        if not read_only:  # a read-only chat has no controls, and no route, that change the index
            with gr.Row():
                with gr.Column(scale=3):
                    title = gr.Textbox(label="Title", max_lines=1, elem_id="article-title")
                    pasted = gr.Textbox(
                        label="Paste an article (text, Markdown or a page's HTML)", lines=5, elem_id="article-text"
                    )
                with gr.Column(scale=2):
                    upload = gr.File(
                        label=f"...or upload a file (up to {MAX_UPLOAD_MB} MB)",
                        file_types=UPLOAD_TYPES,
                        type="filepath",
                        elem_id="article-file",
                    )
                    add = gr.Button("Add article", variant="primary", elem_id="add-article")
            with gr.Row():
                gone = gr.Dropdown(
                    chat_app.doc_choices(every=False), label="Article to remove", scale=3, elem_id="remove-choice"
                )
                remove = gr.Button("Remove article", variant="stop", scale=1, elem_id="remove-article")
            controls = (title, pasted, upload, add, gone, remove)
        status = gr.Markdown(elem_id="article-status")
    return table, status, controls


def _register_api(chat_app: ChatApp) -> None:
    """The JSON routes beside the chat: /ask, /ask_article and /articles."""
    import gradio as gr

    def api_ask(question: str, history: list[str] | None = None, speaker: str | None = None, k: int = 3) -> dict:
        """Answer a question; returns quotes with attribution, or abstained=True."""
        try:
            return chat_app.api_ask(question, history, speaker, k)
        except ValueError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def api_ask_article(
        question: str, doc: str, history: list[str] | None = None, speaker: str | None = None, k: int = 3
    ) -> dict:
        """Answer a question from one article (its doc id); otherwise as /ask."""
        try:
            return chat_app.api_ask(question, history, speaker, k, doc)
        except ValueError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def api_articles() -> list[dict]:
        """The articles in the index: doc, title, source, format, paragraphs, chunks, speakers, added."""
        from dataclasses import asdict, replace

        return [asdict(replace(d, source=public_source(d.source))) for d in chat_app.articles()]

    gr.api(api_ask, api_name="ask")
    gr.api(api_ask_article, api_name="ask_article")
    gr.api(api_articles, api_name="articles")


def _start_default_library(index: str | None) -> None:
    """With no --index and no library yet (an installed package ships no built index), build the
    bundled article's index where the library lives, so `qa serve` starts from a plain install."""
    if index is not None:
        return
    from qa.errors import IndexMissingError
    from qa.index import store
    from qa.index.embedding import SentenceTransformerEmbedder

    folder = store.default_index_dir()
    try:
        store.read_manifest(folder)
    except IndexMissingError:
        log.info("no index in %s yet: building the bundled article's", folder)
        store.build(None, folder, embedder=SentenceTransformerEmbedder(None))


def main(
    argv: list[str] | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    model: str | None = None,
    encoder: str | None = None,
) -> int:
    parser = argparse.ArgumentParser(description="Start the web chat.")
    parser.add_argument("--host", default=host or os.environ.get("QA_HOST", DEFAULT_HOST))
    parser.add_argument("--port", type=int, default=port or int(os.environ.get("QA_PORT", DEFAULT_PORT)))
    parser.add_argument("--index", default=None, help="index folder (default: $QA_INDEX or the user library)")
    parser.add_argument("--model", default=model, help="embedding model (default: the index's)")
    parser.add_argument(
        "--encoder",
        default=encoder,
        choices=["fp32", "int8", "torch"],
        help="question encoder (default: $QA_ENCODER or fp32)",
    )
    mode_options(parser)
    args = parser.parse_args(argv)
    read_only = (not is_loopback(args.host)) if args.read_only is None else args.read_only
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    busy = port_problem(args.host, args.port)
    if busy:  # before the model loads: a taken port should fail at once
        print(f"qa: error: cannot serve on {args.host}:{args.port}: {busy}", file=sys.stderr)
        return 2

    from qa.ask.answer import Retriever
    from qa.errors import QAError

    quiet_libraries()
    started = time.perf_counter()
    try:
        _start_default_library(args.index)
        retriever = Retriever.load(args.index, model=args.model, encoder=args.encoder)
        retriever.answer("What does the article say about the weather?")  # loads the encoder and the parser
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    log.info("index and model ready in %.1fs", time.perf_counter() - started)
    from starlette.middleware import Middleware

    uploads = upload_folder(args.port)
    os.environ["GRADIO_TEMP_DIR"] = str(uploads)  # before Gradio is imported: uploads land there
    signal.signal(signal.SIGTERM, _interrupt)  # a stop by the service manager cleans up too
    demo = build(retriever, read_only=read_only)
    quiet_gradio_errors()
    log.info("serving %s", "read-only (no uploads)" if read_only else "with the Articles panel")
    try:
        demo.launch(
            server_name=args.host,
            server_port=args.port,
            share=False,
            show_error=False,
            max_file_size=MAX_UPLOAD_MB * 1_000_000,
            quiet=True,
            ssr_mode=False,
            app_kwargs={"middleware": [Middleware(RequestGuard, read_only=read_only, uploads=uploads)]},
        )
    except OSError as exc:
        print(f"qa: error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(uploads, ignore_errors=True)
    return 0


def is_loopback(host: str) -> bool:
    """True for a host only this machine can reach."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def upload_folder(port: int) -> Path:
    """This server's upload folder, emptied: what a crashed run left there is never served."""
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"qa-uploads-{port}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def port_problem(host: str, port: int) -> str | None:
    """Why the app could not listen on host:port, or None when it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, OverflowError, UnicodeError) as exc:
        return f"bad host or port ({exc})"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except (OSError, OverflowError) as exc:
            return getattr(exc, "strerror", None) or str(exc)
    return None


if __name__ == "__main__":
    sys.exit(main())
