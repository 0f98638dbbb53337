//! APItoolkit axum integration (built by its own issue).
