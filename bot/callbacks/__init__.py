"""Call-back requests: a path from the chat to a person at the clinic."""
