"""Logging settings shared by the command line and the web app."""

from __future__ import annotations

import logging


def quiet_libraries() -> None:
    """Libraries' routine messages are not for users; warnings still show."""
    for name in ("faiss", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # the page readers warn about the pages they read; what matters reaches the user as an error
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)
