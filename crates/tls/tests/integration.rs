//! Handshake tests over loopback TCP with tokio-rustls, using the production builders.
//! Certificates are generated at test time with `ironstack-pki`.

#[path = "integration/common.rs"]
mod common;

#[path = "integration/client.rs"]
mod client;
#[path = "integration/interop.rs"]
mod interop;
#[path = "integration/reload.rs"]
mod reload;
#[path = "integration/server.rs"]
mod server;
