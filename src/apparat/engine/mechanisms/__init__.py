"""The mechanisms of DESIGN.md, one small module each, each a function of the state."""
