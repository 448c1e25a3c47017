"""Telling the clinic's staff about call-back requests: e-mail and a signed webhook, through an outbox."""  # noqa: E501
