//! Integration tests for `ironstack keystore`.
