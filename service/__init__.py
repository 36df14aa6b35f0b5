"""Framing classifier service: per-sentence framing scores for kk/ru/uk/en news articles."""
