"""Reproducible benchmarks of Prompt Studio: see README.md in this directory."""
