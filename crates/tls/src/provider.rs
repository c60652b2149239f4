//! The crypto provider (aws-lc-rs) narrowed to the configured protocol versions and cipher
//! suites. Builders pass it explicitly, so no process-wide default provider is needed.

use std::sync::Arc;

use rustls::SupportedProtocolVersion;
use rustls::crypto::{CryptoProvider, aws_lc_rs};

use crate::{CipherSuite, Error, Result, TlsVersion};

/// The aws-lc-rs provider with every suite rustls offers.
pub fn default_provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

fn rustls_suite(suite: CipherSuite) -> rustls::SupportedCipherSuite {
    use aws_lc_rs::cipher_suite as s;
    match suite {
        CipherSuite::Tls13Aes256GcmSha384 => s::TLS13_AES_256_GCM_SHA384,
        CipherSuite::Tls13Aes128GcmSha256 => s::TLS13_AES_128_GCM_SHA256,
        CipherSuite::Tls13Chacha20Poly1305Sha256 => s::TLS13_CHACHA20_POLY1305_SHA256,
        CipherSuite::EcdheEcdsaAes256GcmSha384 => s::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::EcdheEcdsaAes128GcmSha256 => s::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => {
            s::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        CipherSuite::EcdheRsaAes256GcmSha384 => s::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::EcdheRsaAes128GcmSha256 => s::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::EcdheRsaChacha20Poly1305Sha256 => {
            s::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
    }
}

/// A provider and version list for the given restrictions (empty = no restriction).
pub(crate) fn restricted(
    protocols: &[TlsVersion],
    suites: &[CipherSuite],
) -> Result<(Arc<CryptoProvider>, Vec<&'static SupportedProtocolVersion>)> {
    let mut provider = aws_lc_rs::default_provider();
    if !suites.is_empty() {
        provider.cipher_suites = suites.iter().map(|s| rustls_suite(*s)).collect();
    }
    let wanted: Vec<TlsVersion> = if protocols.is_empty() {
        vec![TlsVersion::Tls13, TlsVersion::Tls12]
    } else {
        protocols.to_vec()
    };
    let mut versions: Vec<&'static SupportedProtocolVersion> = Vec::new();
    for version in wanted {
        let (rustls_version, is_13) = match version {
            TlsVersion::Tls13 => (&rustls::version::TLS13, true),
            TlsVersion::Tls12 => (&rustls::version::TLS12, false),
        };
        // A version without any usable suite would make rustls fail later with a less
        // helpful message.
        let usable = provider
            .cipher_suites
            .iter()
            .any(|s| matches!(s, rustls::SupportedCipherSuite::Tls13(_)) == is_13);
        if usable && !versions.contains(&rustls_version) {
            versions.push(rustls_version);
        }
    }
    if versions.is_empty() {
        return Err(Error::InvalidSettings(
            "none of the configured cipher suites can be used with the configured protocols"
                .to_string(),
        ));
    }
    Ok((Arc::new(provider), versions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_restriction_means_both_versions_and_every_suite() {
        let (provider, versions) = restricted(&[], &[]).unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(provider.cipher_suites.len(), CipherSuite::ALL.len());
    }

    #[test]
    fn versions_without_a_usable_suite_are_dropped_or_refused() {
        let (_, versions) = restricted(&[], &[CipherSuite::Tls13Aes128GcmSha256]).unwrap();
        assert_eq!(versions, vec![&rustls::version::TLS13]);
        assert!(restricted(&[TlsVersion::Tls12], &[CipherSuite::Tls13Aes128GcmSha256]).is_err());
    }

    #[test]
    fn every_named_suite_maps_to_the_same_rustls_suite() {
        for suite in CipherSuite::ALL {
            // rustls spells the TLS 1.3 suites `TLS13_*` where IANA and the JDK say `TLS_*`.
            let rustls_name =
                format!("{:?}", rustls_suite(suite).suite()).replace("TLS13_", "TLS_");
            assert_eq!(rustls_name, suite.name());
        }
    }
}
