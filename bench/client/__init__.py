"""External load clients of the end-to-end harness: they run in their own Python process, never in the server."""
