"""The audit trail, readable: auditors and administrators list and export who read or changed whose record."""
