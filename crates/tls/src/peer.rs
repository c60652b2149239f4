//! The verified client certificate chain, as the node's PKI realm needs it.
//!
//! Nothing is built here: after `tokio_rustls::TlsAcceptor::accept`, the node reads
//! `tls_stream.get_ref().1.peer_certificates()` (`Option<&[CertificateDer]>`, leaf first).
//! With `client_authentication: optional|required` rustls has already verified that chain
//! against the configured CAs before the handshake completed; with `optional` it may be
//! `None`. The node then puts the chain into each request's extensions for the PKI realm,
//! which maps [`subject_dn`] through `username_pattern`.

use rustls_pki_types::CertificateDer;

use crate::{Error, Result};

/// The subject DN in RFC 2253 form (`CN=node1,OU=ops,DC=example,DC=com`), as Elasticsearch's
/// PKI realm matches it.
pub fn subject_dn(certificate: &CertificateDer<'_>) -> Result<String> {
    let parse_error = |e: ironstack_pki::Error| {
        Error::InvalidSettings(format!("cannot read the client certificate: {e}"))
    };
    ironstack_pki::Certificate::from_der(certificate.as_ref().to_vec())
        .and_then(|c| c.subject())
        .map_err(parse_error)
}
