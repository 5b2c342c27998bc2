"""Synthetic cohort with known truth: ``generate`` profiles, ``write`` them in any source format."""

from microcred.synth.cohort import SynthCohort, generate, person_ids

__all__ = ["SynthCohort", "generate", "person_ids"]
