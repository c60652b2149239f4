//! ironstack-tls (being built).
