//! ironstack-security (being built).
