"""The web chat: Gradio around a Retriever it is given. No retrieval logic lives here.

python app.py [--host H] [--port P] [--index DIR] [--model NAME_OR_PATH]
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

if TYPE_CHECKING:
    import gradio as gr

    from qa.answering import Answer
    from qa.retrieval import Hit, Retriever

log = logging.getLogger("qa.app")

ANYONE = "Anyone"
MAX_QUEUE = 256
CONCURRENCY = 4
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


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

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever

    def speakers(self) -> list[str]:
        return [ANYONE, *(s.name for s in self.retriever.speakers)]

    def examples(self) -> list[str]:
        """Example questions drawn from whatever article is indexed."""
        people = [s for s in self.retriever.speakers if s.kind == "person"]
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
            f"<details><summary>Source: paragraph {hit.paragraph} of {html.escape(hit.doc)}</summary>"
            f"<p>{_highlight(paragraph, hit)}</p></details>"
        )

    def reply(self, answer: Answer) -> str:
        """The answer's Markdown with an openable source view under every quote."""
        return answer.render(after=self.source_view)

    def answer(self, question: str, turns: Sequence[str], speaker: str | None, k: float | int) -> Answer:
        who = None if not speaker or speaker == ANYONE else speaker
        return self.retriever.answer(question, history=list(turns), k=int(k or 3), speaker=who)

    def respond(
        self, message: str, chat: list[dict[str, Any]] | None, turns: list[str] | None, speaker: str | None, k: float
    ) -> tuple[list[dict[str, Any]], list[str], str]:
        """One chat turn: the user's words shown as plain text, then the answer."""
        from qa.answering import as_text
        from qa.errors import BadQuestionError, QAError

        chat = list(chat or [])
        turns = list(turns or [])
        shown = as_text(message if isinstance(message, str) else "") or "(empty)"
        try:
            answer = self.answer(message, turns, speaker, k)
            text = self.reply(answer)
        except BadQuestionError as exc:
            text = f"**I can't take that question:** {html.escape(str(exc))}."
        except QAError as exc:
            log.error("answering failed: %s", exc)
            text = f"**Something is wrong with the index:** {html.escape(str(exc))}"
        chat += [{"role": "user", "content": shown}, {"role": "assistant", "content": text}]
        turns.append(message if isinstance(message, str) else "")
        return chat, turns, ""

    def retry(
        self, chat: list[dict[str, Any]] | None, turns: list[str] | None, speaker: str | None, k: float
    ) -> tuple[list[dict[str, Any]], list[str]]:
        chat, turns = list(chat or []), list(turns or [])
        if not turns:
            return chat, turns
        last = turns.pop()
        chat, turns, _ = self.respond(last, chat[:-2], turns, speaker, k)
        return chat, turns

    def undo(
        self, chat: list[dict[str, Any]] | None, turns: list[str] | None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        return list(chat or [])[:-2], list(turns or [])[:-1]

    def api_ask(
        self, question: str, history: list[str] | None = None, speaker: str | None = None, k: int = 3
    ) -> dict[str, Any]:
        """Structured answer: quotes with text, speaker, role, kind, paragraph, score; abstained flag."""
        from qa.errors import BadQuestionError

        try:
            answer = self.answer(question, history or [], speaker, k)
        except BadQuestionError as exc:
            return {"error": str(exc), "abstained": True, "quotes": [], "message": str(exc)}
        data = answer.to_json()
        data["quotes"] = data.pop("hits")  # the API speaks of quotes
        return data


def build(retriever: Retriever) -> gr.Blocks:
    """The Gradio Blocks app around a loaded retriever."""
    import gradio as gr

    chat_app = ChatApp(retriever)
    from qa.retrieval import MAX_QUESTION_CHARS

    def api_ask(question: str, history: list[str] | None = None, speaker: str | None = None, k: int = 3) -> dict:
        """Answer a question; returns quotes with attribution, or abstained=True."""
        return chat_app.api_ask(question, history, speaker, k)

    with gr.Blocks(title="Ask the article") as demo:
        gr.Markdown(
            "## Ask the article\nAnswers are the article's own words: each quote verbatim, with who said it, "
            "their role and the paragraph. When the article does not say, the bot tells you."
        )
        with gr.Row():
            speaker = gr.Dropdown(chat_app.speakers(), value=ANYONE, label="Only quotes from", scale=3)
            k = gr.Slider(1, 10, value=3, step=1, label="Quotes to show", scale=2)
        chatbot = gr.Chatbot(
            elem_id="chat",
            height=520,
            sanitize_html=True,
            render_markdown=True,
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

        inputs = [box, chatbot, turns, speaker, k]
        outputs = [chatbot, turns, box]
        box.submit(chat_app.respond, inputs, outputs, api_name="chat")
        send.click(chat_app.respond, inputs, outputs, api_visibility="private")
        chatbot.retry(chat_app.retry, [chatbot, turns, speaker, k], [chatbot, turns], api_visibility="private")
        chatbot.undo(chat_app.undo, [chatbot, turns], [chatbot, turns], api_visibility="private")
        chatbot.clear(lambda: [], None, turns, api_visibility="private")
        gr.api(api_ask, api_name="ask")
    demo.queue(max_size=MAX_QUEUE, default_concurrency_limit=CONCURRENCY)
    return demo


def main(
    argv: list[str] | None = None, *, host: str | None = None, port: int | None = None, model: str | None = None
) -> int:
    parser = argparse.ArgumentParser(description="Start the web chat.")
    parser.add_argument("--host", default=host or os.environ.get("QA_HOST", DEFAULT_HOST))
    parser.add_argument("--port", type=int, default=port or int(os.environ.get("QA_PORT", DEFAULT_PORT)))
    parser.add_argument("--index", default=None, help="index folder (default: $QA_INDEX or index/)")
    parser.add_argument("--model", default=model, help="embedding model (default: the index's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    from qa.errors import QAError
    from qa.retrieval import Retriever

    started = time.perf_counter()
    try:
        retriever = Retriever.load(args.index, model=args.model)
        retriever.search("warm up the encoder", k=1)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    log.info("index and model ready in %.1fs", time.perf_counter() - started)
    demo = build(retriever)
    try:
        demo.launch(
            server_name=args.host,
            server_port=args.port,
            share=False,
            show_error=False,
            max_file_size="1mb",
            quiet=True,
            ssr_mode=False,
        )
    except OSError as exc:
        print(f"qa: error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
