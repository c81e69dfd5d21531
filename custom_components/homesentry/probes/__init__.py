"""Probes: plain Python that reads the world and returns frozen dataclasses.

Nothing in this package may import Home Assistant (a test enforces it). Every
probe takes its roots, clients and clocks as parameters so tests can point it
at real peers or recorded data.
"""
