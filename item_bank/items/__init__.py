"""Items: their kinds and scoring, the reviewable files they are kept in, and versions."""
