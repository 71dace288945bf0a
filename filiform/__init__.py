"""Filiform: the clinic system for dry needling and intramuscular stimulation (IMS)."""
