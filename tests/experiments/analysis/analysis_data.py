"""Shared names of the analysis tests."""

# kirov.ambition: no mechanism reads ambition and Kirov takes no decision, so it has no
# path to any outcome; delegate_control and stalin.prestige do.
UNREAD = "kirov.ambition"
FACTORS = ["delegate_control", "stalin.prestige", UNREAD]
