"""ServiceStat: federal customer-service standards, measured and published."""

__version__ = "0.1.0"
