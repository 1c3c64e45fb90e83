"""The index: chunks, the encoders, BM25, the store on disk and the library of articles."""
