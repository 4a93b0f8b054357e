//! Helpers shared by the examples of the cotter-rs workspace (the examples live in `examples/`).
