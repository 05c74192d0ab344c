"""QTI 2.2 and 3.0 import and export of items, in IMS content packages."""
