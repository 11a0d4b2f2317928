"""dynaguard: broken access control made unsayable for FastAPI on DynamoDB."""

__version__ = "0.1.0"
