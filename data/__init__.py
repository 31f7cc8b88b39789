"""Data authored by evalkit itself: the embedded starter pack and baselines."""
