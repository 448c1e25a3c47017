"""Patients' privacy rights over what the bot keeps: the notice at collection, access to
and erasure of a conversation's records."""
