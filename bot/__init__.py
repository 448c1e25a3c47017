"""Extractive patient-consultation chatbot for plastic-surgery and cosmetic clinics."""

__version__ = "0.1.0"
