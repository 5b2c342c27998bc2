"""Evaluation of coders against hand-labelled sets (the coders' proof)."""
