"""The awarding body's administration pages."""
