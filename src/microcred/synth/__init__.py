"""Synthetic cohort with known truth: ``generate`` profiles, ``write`` them in any source format."""

from microcred.synth.cohort import SynthCohort, generate, person_ids
from microcred.synth.truth import load_truth
from microcred.synth.writers import FORMATS, WriteResult, write

__all__ = ["FORMATS", "SynthCohort", "WriteResult", "generate", "load_truth", "person_ids", "write"]
