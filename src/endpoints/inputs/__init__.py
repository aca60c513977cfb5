"""Input tables in canonical form: visits, medications; their validation, units,
subject IDs, study days and the drug dictionary."""
