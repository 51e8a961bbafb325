"""The articles app's migrations before 0007 (``MarketReport``), unchanged: the snapshot reuses
them as they are. Kept only so the upgrade test can build a database without 0007, whose
``run_before`` names a vehicles migration the vehicles snapshot does not have."""
