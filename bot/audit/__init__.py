"""The audit log: who did what to which record, when, from where; tamper-evident, kept for
years, never holding message text."""
