"""Services of the workbench: authoring, review, and writing items back out as files."""
