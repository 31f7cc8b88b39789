"""Text primitives shared by checker families (sentence splitting and the like)."""
