"""Evaluation: the eval harness, its report and the peer recipes. Imports answering, never a
front end."""
