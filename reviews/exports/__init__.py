"""Files made from review data: pure functions returning bytes."""
