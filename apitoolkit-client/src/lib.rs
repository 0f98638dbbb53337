//! APItoolkit client integration (built by its own issue).
