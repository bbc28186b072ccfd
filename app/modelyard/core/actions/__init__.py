"""What changes registries, and the reads made to change them: promote, transition requests,
permissions, the promotion board, compare, copy, sync, serve."""
