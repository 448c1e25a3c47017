"""Benchmarks of the chatbot as a clinic's traffic hits it (`make bench`).

See docs/performance.md.
"""
