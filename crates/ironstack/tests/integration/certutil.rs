//! Integration tests for `ironstack certutil`.
