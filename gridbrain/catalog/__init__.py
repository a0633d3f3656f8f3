"""The matter catalog (事项清单) and the text classifier (定性定责)."""
