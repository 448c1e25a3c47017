"""The index: versions on disk, building them (incrementally, gated), and background builds."""
