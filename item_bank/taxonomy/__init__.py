"""The qualification taxonomy: specifications parsed from the awarding bodies' documents, imported
as qualifications, units, outcomes, criteria and amplification, and browsed by item writers."""
