"""The suite's back-end services: volunteers, points, rewards."""
