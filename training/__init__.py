"""Training, evaluation and data validation for the framing model."""
