"""Language: the spaCy pipeline, and word lists per language as data files."""
