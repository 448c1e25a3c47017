"""Red-flag triage: does a message describe an emergency or self-harm, which one, how urgent,
and in which language to say what to do now (docs/triage.md)."""
