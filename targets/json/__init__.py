"""Graph JSON: the IR written down (`export`), read back (`load`), and its schema."""
