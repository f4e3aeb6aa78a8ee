"""Shared names of the analysis tests."""

# kirov.ambition: Kirov is no contender and takes no decision; his ambition weighs only in
# the claim of a side he follows (engine.valuation.claims), which in these small designs,
# on the point values, changes no one's choice: its indices are exactly 0 there. (Drawn
# from the calibrated posterior, a rare run with a hotter choice rule does change, so the
# known-answer tests run on the point values.) delegate_control and stalin.prestige matter.
UNREAD = "kirov.ambition"
FACTORS = ["delegate_control", "stalin.prestige", UNREAD]
