//! One integration-test binary for everything that drives the built `ironstack` binary and
//! checks its output with real tools (openssl, keytool, curl, Python). One binary links once.

#[path = "integration/support.rs"]
mod support;

#[path = "integration/certutil.rs"]
mod certutil;
#[path = "integration/keystore.rs"]
mod keystore;
#[path = "integration/node.rs"]
mod node;
#[path = "integration/security.rs"]
mod security;
#[path = "integration/tools.rs"]
mod tools;
