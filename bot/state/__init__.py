"""Live state every server must see: conversation context and rate-limit counters, in
process for one server or in Redis for several."""
