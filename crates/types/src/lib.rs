//! ironstack-types (being built).
