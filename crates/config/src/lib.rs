//! ironstack-config (being built).
