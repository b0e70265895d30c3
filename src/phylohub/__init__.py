"""phylohub: the Hugging Face Hub studied as a population of models."""

__version__ = "0.1.0"
