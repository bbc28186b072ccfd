"""The model: domain types, errors, the Registry protocol, one state per profile."""
