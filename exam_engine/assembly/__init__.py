"""Pure test assembly: fixed forms, linear-on-the-fly and adaptive shadow tests."""
