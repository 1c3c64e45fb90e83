"""Logging settings shared by the command line and the web app."""

from __future__ import annotations

import logging


def quiet_libraries() -> None:
    """Libraries' routine messages are not for users; warnings still show."""
    for name in ("faiss", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(logging.WARNING)
