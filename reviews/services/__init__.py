"""Writes of the expert review, one module per subject."""
