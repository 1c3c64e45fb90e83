"""What the command line and the web app share: logging settings and the serving options."""

from __future__ import annotations

import argparse
import logging


def quiet_libraries() -> None:
    """Libraries' routine messages are not for users; warnings still show."""
    for name in ("faiss", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # the page readers warn about the pages they read; what matters reaches the user as an error
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)


def mode_options(parser: argparse.ArgumentParser) -> None:
    """--read-only / --writable: whether the chat may add and remove articles (None: by host)."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--read-only",
        dest="read_only",
        action="store_true",
        default=None,
        help="no adding or removing articles, no uploads (the default on a host other than loopback)",
    )
    mode.add_argument("--writable", dest="read_only", action="store_false", help="allow adding and removing articles")
