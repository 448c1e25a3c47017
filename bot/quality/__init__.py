"""Measuring the bot on questions written the way patients write (`bot eval`)."""
