"""The read side: read-model tables, projectors, their runner and the queries over them."""
