//! APItoolkit actix integration (built by its own issue).
