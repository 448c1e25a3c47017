"""Staff curation: passages pinned to a question, passages hidden, and who changed what."""
