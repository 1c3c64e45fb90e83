"""The reply record: the quotes an answer shows, or an honest abstention, and the two plain kinds of reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qa.ask.render import render, verbatim
from qa.ask.search import Hit

NOT_IN_ARTICLE = "The article does not say."

@dataclass(frozen=True)
class Answer:
    """What the bot replies: the quotes it shows, or an honest abstention."""

    question: str
    hits: tuple[Hit, ...]
    abstained: bool
    markdown: str
    message: str = ""
    speaker: str | None = None  # the speaker the question was taken to be about
    reason: str = ""  # why it abstained, for logs and evaluation
    ranked: tuple[Hit, ...] = field(default=(), repr=False)  # the candidates behind `hits`, best first
    preface: str = field(default="", repr=False)  # what leads the quotes ("That is everything ...")
    who_said: bool = field(default=False, repr=False)
    confidence: float | None = None  # the refusal model's probability that the article answers
    features: dict[str, float] = field(default_factory=dict, repr=False)  # what the refusal model read
    marked: bool = field(default=True, repr=False)  # mark the evidence sentences in each quote
    # the words searched with: a follow-up's own, after those of the turn it leans on
    query: str = field(default="", repr=False)

    def render(self, after: Callable[[Hit], str] | None = None) -> str:
        """The reply as Markdown; `after` adds something under each quote (the chat's source view)."""
        if self.abstained:
            return self.markdown
        body = render(self.hits, who_said=self.who_said, after=after, marked=self.marked)
        return "\n\n".join(filter(None, [self.preface, body]))

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "message": self.message,
            "speaker": self.speaker,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "hits": [h.to_json() for h in self.hits],
            "markdown": self.markdown,
        }

def abstain(question: str, reason: str, speaker: str | None, confidence: float | None = None) -> Answer:
    message = NOT_IN_ARTICLE
    detail = f"{message} ({reason}.)"
    # the reason may repeat the question's words: they are shown as typed, never as Markdown
    sentence = verbatim(reason[:1].upper() + reason[1:] + ".")
    return Answer(question, (), True, f"**{message}** {sentence}", detail, speaker, reason, confidence=confidence)

def passages(text: str, preface: str, hits: list[Hit]) -> Answer:
    """An answer made of passages chosen by their place in the article, not by the question."""
    return Answer(
        question=text,
        hits=tuple(hits),
        abstained=False,
        markdown="\n\n".join(filter(None, [preface, render(hits, marked=False)])),
        preface=preface,
        ranked=tuple(hits),
        marked=False,
    )
