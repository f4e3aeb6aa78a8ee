"""Policies: who takes the decisions — behaviour from traits, a forced choice, a person."""

from apparat.policies.forced import ForcedChoice, parse_do
from apparat.policies.per_run import PerRunChoice, PerRunDraw
from apparat.policies.scripted import Scripted

__all__ = ["ForcedChoice", "PerRunChoice", "PerRunDraw", "Scripted", "parse_do"]
