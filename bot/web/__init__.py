"""The FastAPI app: a thin layer over the core library, one module per audience."""
