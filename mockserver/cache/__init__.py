"""What the mock keeps to answer faster, and when it lets go."""
