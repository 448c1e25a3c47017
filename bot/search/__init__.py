"""Search: embedding text, the FAISS and BM25 indexes, and ranking passages for a question."""
