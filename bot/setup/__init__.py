"""First-run setup: who the clinic is, written to the settings file the servers read."""
