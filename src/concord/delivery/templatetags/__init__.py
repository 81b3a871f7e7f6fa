"""Template tags of the delivery app."""
