"""Scenarios bundled with apparat, one folder each."""
