"""Contract export: JSON Schemas of every event and RPC payload, the AsyncAPI document, and their checks."""

from presscenter.shared.contracts.compat import breaking_changes
from presscenter.shared.contracts.export import ContractReport, export, generated_files, inspect

__all__ = ["ContractReport", "breaking_changes", "export", "generated_files", "inspect"]
