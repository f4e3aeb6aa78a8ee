"""Report layer: statistics, summaries and narrative built from simulation results."""
