//! Integration tests for `ironstack node`.
