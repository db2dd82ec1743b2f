"""Test helpers shared by end-to-end tests, GUI tests and benchmarks: the loopback provider
simulator (`tests.support.simulator`) and an in-memory keyring backend."""
