"""Orchestration of the end-to-end harness: start each stack in turn, drive it with the external clients, report."""
