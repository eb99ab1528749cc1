"""prodsheets: a production office in a shared spreadsheet."""

__version__ = "0.1.0"
