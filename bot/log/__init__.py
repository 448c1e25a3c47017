"""The query log: the database and its migrations, redaction, the writer and spool, gaps."""
