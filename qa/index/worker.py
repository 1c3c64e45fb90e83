"""Adding an article in a worker process, with a time limit: reading, attributing and embedding
run beside the chat rather than in it, so other users' answers go on at full speed, and an
article that takes too long is stopped (its half-written folder is swept by the next change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa import errors
from qa.errors import IndexWriteError, QAError, SourceError

ADD_TIME_LIMIT = 180.0  # seconds to read, attribute, embed and swap in one article


def add_bytes(
    folder: Path,
    raw: bytes,
    *,
    name: str,
    source: str,
    title: str | None = None,
    suffix: str = "",
    timeout: float = ADD_TIME_LIMIT,
) -> tuple[str, str, str]:
    """Read one article from raw bytes and add it to the index in folder, in a worker process.

    Returns:
        (doc id, title, "added" | "replaced" | "unchanged").

    Raises:
        The worker's QAError (SourceError, IndexWriteError, ...); SourceError when it ran out of time.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or locks inherited
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(sender, str(folder), raw, name, source, title, suffix), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise SourceError(f"{source}: reading and indexing it took over {timeout:.0f} s; it was not added")
        result = receiver.recv()
    except EOFError:
        raise IndexWriteError("the worker adding the article stopped before it finished") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(10)
        receiver.close()
    if result[0] == "ok":
        return result[1], result[2], result[3]
    kind = getattr(errors, result[1], QAError)
    raise (kind if isinstance(kind, type) and issubclass(kind, QAError) else QAError)(result[2])


def _work(sender: Any, folder: str, raw: bytes, name: str, source: str, title: str | None, suffix: str) -> None:
    """The worker: read, add, and send back ("ok", doc, title, outcome) or ("error", kind, message)."""
    from qa.index.library import Library
    from qa.text.reading import from_bytes

    try:
        item = from_bytes(raw, name=name, source=source, title=title, suffix=suffix)
        doc, what = next(iter(Library(Path(folder)).add([item]).items()))
        sender.send(("ok", doc, item.title, what))
    except QAError as exc:
        sender.send(("error", type(exc).__name__, str(exc)))
    except OSError as exc:
        sender.send(("error", "IndexWriteError", f"cannot write the index: {exc.strerror or exc}"))
    finally:
        sender.close()
