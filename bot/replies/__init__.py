"""Replies: what kind of reply a message gets, and the passages, urgency and context in it."""
