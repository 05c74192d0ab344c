"""The rehearsal: a whole invigilated session with simulated candidates, through the real services."""
