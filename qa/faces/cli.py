"""The `qa` command: thin wrappers over the library."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from qa.errors import QAError, SourceError
from qa.faces.common import mode_options, quiet_libraries

log = logging.getLogger("qa")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask a news article questions; get its own words back.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build the index from article files")
    build.add_argument(
        "--source", action="append", metavar="FILE", help="article file (repeatable); default: the bundled article"
    )
    build.add_argument("--index", metavar="DIR", help="index folder (default: $QA_INDEX or the user library)")
    build.add_argument(
        "--model", metavar="NAME_OR_PATH", help="embedding model (default: $QA_MODEL or the bundled one)"
    )
    build.add_argument("--int8", action="store_true", help="also export an int8 query encoder")

    check = sub.add_parser("check", help="check the index against its sources; rebuild it if stale or missing")
    check.add_argument("--index", metavar="DIR", help="index folder (default: $QA_INDEX or the user library)")
    check.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model the index must use")
    check.add_argument("--int8", action="store_true", help="also export an int8 query encoder")

    add = sub.add_parser("add", help="add articles (.txt, .md, .html, or - for standard input) to the index")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--index", metavar="DIR", help="index folder (default: $QA_INDEX or the user library)")
    add.add_argument("--title", help="the article's title (one article only)")
    remove = sub.add_parser("remove", help="take one article out of the index")
    remove.add_argument("doc", help="the article's doc id, as `qa list` shows it")
    remove.add_argument("--index", metavar="DIR", help="index folder (default: $QA_INDEX or the user library)")
    listing = sub.add_parser("list", help="list the articles in the index")
    listing.add_argument("--index", metavar="DIR", help="index folder (default: $QA_INDEX or the user library)")
    listing.add_argument("--json", action="store_true", help="print JSON")

    ask = sub.add_parser("ask", help="ask the article a question")
    ask.add_argument("question")
    ask.add_argument("-k", type=int, default=3, help="at most this many quotes (default 3)")
    ask.add_argument(
        "--history",
        action="append",
        default=[],
        metavar="TURN",
        help="an earlier question of the chat (repeatable, oldest first)",
    )
    ask.add_argument("--speaker", help="only quote this speaker")
    ask.add_argument("--doc", help="only this article (its doc id; default: every article)")
    ask.add_argument("--json", action="store_true", help="print JSON")
    _index_options(ask)

    quotes = sub.add_parser("quotes", help="list every attributed statement of an article")
    quotes.add_argument("file", nargs="?", help="article file (default: the bundled article)")
    quotes.add_argument("--speaker", help="only this speaker (full name or part of it)")
    quotes.add_argument("--json", action="store_true", help="print JSON")
    quotes.add_argument(
        "--speakers", action="store_true", help="list the speakers instead: kind, role and every mention, with offsets"
    )

    ev = sub.add_parser("eval", help="score the bot on a gold question set")
    ev.add_argument("--questions", metavar="FILE", help="questions JSONL (default: eval/questions.jsonl)")
    ev.add_argument("--mode", choices=["answer", "hybrid", "dense", "bm25"], default="answer")
    ev.add_argument("--json", action="store_true", help="print JSON")
    _index_options(ev)

    serve = sub.add_parser("serve", help="start the web chat")
    serve.add_argument("--host", default=None, help="default: $QA_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $QA_PORT or 7860")
    mode_options(serve)
    _index_options(serve)
    return parser


def _index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", help="index folder (default: $QA_INDEX or the user library)")
    parser.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model (default: the index's)")
    parser.add_argument(
        "--encoder",
        choices=["fp32", "int8", "torch"],
        help="how questions are encoded: the index's ONNX encoder (fp32, the default, or int8) "
        "or sentence-transformers (torch); default: $QA_ENCODER or fp32",
    )


def _retriever(args: argparse.Namespace) -> Any:
    from qa.ask.answer import Retriever

    return Retriever.load(args.index, model=args.model, encoder=args.encoder)


def cmd_build(args: argparse.Namespace) -> int:
    from qa.index import store
    from qa.index.embedding import SentenceTransformerEmbedder

    store.ensure_replaceable(Path(args.index) if args.index else store.default_index_dir())
    embedder = SentenceTransformerEmbedder(args.model)
    manifest = store.build(args.source, args.index, embedder=embedder, progress=sys.stderr.isatty(), int8=args.int8)
    target = args.index or store.default_index_dir()
    print(
        f"built {manifest['chunk_count']} chunks with {manifest['model']['id']} into {target} "
        f"in {manifest['build_seconds']:.1f}s"
    )
    return 0


def _token_storage(data: Any) -> str:
    """How the index keeps its passages' token vectors, for the word-by-word match."""
    rows = data.token_rows
    if rows is None:
        return "passages' token vectors: not stored (a search reads its best passages with the model)"
    how = "in half precision" if rows.dtype.kind == "f" else f"as codebook codes ({rows.shape[1]} bytes each)"
    return f"passages' token vectors: {len(rows):,} stored {how}"


def cmd_check(args: argparse.Namespace) -> int:
    from qa.errors import IndexCorruptError, IndexMissingError, IndexStaleError
    from qa.index import store
    from qa.index.embedding import SentenceTransformerEmbedder, model_id

    folder = Path(args.index) if args.index else store.default_index_dir()
    try:
        manifest = store.read_manifest(folder)
    except IndexMissingError:
        print(f"no index in {folder}; building it")
        return cmd_build(argparse.Namespace(source=None, index=str(folder), model=args.model, int8=args.int8))
    wanted = model_id(args.model) if args.model else None
    reasons = store.stale_reasons(manifest, model=wanted)
    if not reasons:
        data = store.load(folder)  # checksums and shapes
        if data.damaged:
            raise IndexCorruptError(
                f"the kept text of {', '.join(data.damaged)} in {folder} is damaged; the other articles are fine: "
                f"`qa remove {data.damaged[0]}`, or `qa add` its file again"
            )
        print(f"index in {folder} is up to date ({manifest['chunk_count']} chunks, {manifest['model']['id']})")
        print(_token_storage(data))
        _check_encoder(folder, manifest["model"]["id"], int8=args.int8)
        return 0
    sources = store.sources_available(manifest)
    if sources is None:
        missing = store.missing_named(manifest)
        raise IndexStaleError(
            f"index in {folder} is stale ({'; '.join(reasons)}) and its source files are missing: {missing}; "
            "it was left as it is"
        )
    changed = store.changed_sources(manifest)
    if changed:
        raise IndexStaleError(
            f"index in {folder} is stale and {changed[0]} is not the text it was built from (checksum differs);"
            f" it was left as it is: `qa add {changed[0]} --index {folder}` takes the new text"
        )
    print(f"index in {folder} is stale: {'; '.join(reasons)}; rebuilding")
    embedder = SentenceTransformerEmbedder(wanted or manifest["model"]["id"])
    manifest = store.build(sources, folder, embedder=embedder, int8=args.int8, records=store.records(manifest))
    print(f"rebuilt {manifest['chunk_count']} chunks in {folder}")
    return 0


def _check_encoder(folder: Path, model: str, *, int8: bool) -> None:
    """Export the index's query encoder when it has no verified one (or no int8 one, if asked)."""
    from qa.index import encoder, store
    from qa.index.embedding import SentenceTransformerEmbedder

    problems = []
    for variant in ("fp32", "int8") if int8 else ("fp32",):
        try:
            if encoder.read_record(folder / encoder.FOLDER, variant)["model_id"] != model:
                problems.append(f"the {variant} encoder is of another model")
        except encoder.EncoderUnavailable as why:
            problems.append(str(why))
    if not problems:
        print(f"query encoder in {folder / encoder.FOLDER} is verified")
        return
    print(f"{problems[0]}; exporting the query encoder")
    if store.add_encoder(folder, SentenceTransformerEmbedder(model), int8=int8):
        record = encoder.read_record(folder / encoder.FOLDER, "fp32")
        figures = ", ".join(
            f"{name} min cosine {entry['parity']['min_cosine']:.7f}" for name, entry in record["variants"].items()
        )
        print(f"exported the query encoder ({figures})")
    else:
        print("the model cannot be exported; questions will be encoded with sentence-transformers")


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.ask.question import clean_question

    clean_question(args.question)  # refuse bad input before loading anything
    answer = _retriever(args).answer(args.question, history=args.history, k=args.k, speaker=args.speaker, doc=args.doc)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(answer.message if answer.abstained else answer.markdown)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from qa.index import library

    if args.title and len(args.paths) > 1:
        raise SourceError("--title names one article; give one PATH with it")
    if args.paths.count("-") > 1:
        raise SourceError("standard input can be read once")
    from qa.index import store

    folder = Path(args.index) if args.index else store.default_index_dir()
    if not (folder / "manifest.json").is_file():
        store.ensure_replaceable(folder)  # before any model loads: a folder of other files stays
    incoming = [library.read(p, title=args.title) for p in args.paths]  # every file is checked first
    outcome = library.Library(args.index).add(incoming)
    for doc, what in outcome.items():
        print(f"{what}: {doc}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from qa.index import library

    gone = library.Library(args.index).remove(args.doc)
    print(f"removed: {gone.doc} ({gone.title}, {gone.chunks} chunks)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from qa.index import library

    docs = library.Library(args.index).documents()
    if args.json:
        print(json.dumps([asdict(d) for d in docs], ensure_ascii=False, indent=2))
        return 0
    rows = [
        (
            d.doc,
            str(d.paragraphs),
            str(d.chunks),
            str(d.speakers),
            d.added,
            d.title + (" (damaged)" if d.damaged else ""),
        )
        for d in docs
    ]
    header = ("doc", "paragraphs", "chunks", "speakers", "added", "title")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) if i < 5 else cell for i, cell in enumerate(row)))
    return 0


def cmd_quotes(args: argparse.Namespace) -> int:
    from qa.attribution.statements import attribute
    from qa.text import article
    from qa.text.reading import load_article

    art = load_article(args.file) if args.file else article.load()
    found = attribute(art)
    if args.speakers:
        speakers = found.speakers_json()
        if args.json:
            print(json.dumps(speakers, ensure_ascii=False, indent=2))
            return 0
        for s in speakers:
            said = ", ".join(f"{m['text']!r}@{m['start']}" for m in s["mentions"])  # type: ignore[attr-defined]
            print(f"{s['name']} ({s['kind']}{', ' + str(s['role']) if s['role'] else ''}): {said}")
        return 0
    statements = [s for s in found.statements if s.kind != "narration"]
    if args.speaker:
        wanted = args.speaker.lower()
        statements = [s for s in statements if s.speaker and wanted in s.speaker.lower()]
    if args.json:
        print(json.dumps([unit for s in statements for unit in s.units(art.text)], ensure_ascii=False, indent=2))
        return 0
    rows = [(str(s.paragraph), s.speaker or "", s.kind, s.cue or "", _short(s.text, 70)) for s in statements]
    header = ("para", "speaker", "kind", "cue", "text")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation import default_questions, evaluate, read_questions

    questions = read_questions(args.questions or default_questions())
    report = evaluate(_retriever(args), questions, mode=args.mode)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0
    for name, value in report.metrics.items():
        print(f"{name:12} {value}")
    if report.misses:
        print(f"\n{len(report.misses)} misses:")
        for miss in report.misses:
            print(f"  {miss['id']}: {miss['question']}\n      {miss['miss']}; top {miss['top']}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from qa.faces import web

    mode = [] if args.read_only is None else ["--read-only" if args.read_only else "--writable"]
    return web.main(
        (["--index", args.index] if args.index else []) + mode,
        host=args.host,
        port=args.port,
        model=args.model,
        encoder=args.encoder,
    )


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown error"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="qa: %(message)s")
    quiet_libraries()
    commands = {
        "build": cmd_build,
        "check": cmd_check,
        "add": cmd_add,
        "remove": cmd_remove,
        "list": cmd_list,
        "ask": cmd_ask,
        "quotes": cmd_quotes,
        "eval": cmd_eval,
        "serve": cmd_serve,
    }
    try:
        return commands[args.command](args)
    except QAError as exc:
        print(f"qa: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # a fault the library did not name (a disk, a permission): still one line
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"qa: error: {_one_line(exc.strerror or str(exc))}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
