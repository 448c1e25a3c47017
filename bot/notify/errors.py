"""The one failure a sender reports, so the outbox has a single thing to catch and retry."""


class SendError(Exception):
    """A notification did not reach the clinic; the message says why and never holds a secret.

    Raised for what a later attempt may cure (the server is down, refused us, timed out);
    a configuration that can never work (a malformed URL) raises ValueError instead.
    """
