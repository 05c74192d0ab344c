"""Item statistics and calibration feedback: what the stored responses say about each item, for its writers."""
