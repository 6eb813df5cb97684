package store

// ReturnChunk is how many claims of a return file are paid together.
const ReturnChunk = returnChunk
