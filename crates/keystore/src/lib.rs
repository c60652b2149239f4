//! ironstack-keystore (being built).
