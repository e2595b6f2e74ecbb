"""Application services: one function per counter action, each one transaction plus its audit entry."""
