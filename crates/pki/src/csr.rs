//! PKCS#10 certificate signing requests (certutil `csr` and the `http` wizard's CSR branch).

use crate::{CertificateSpec, PrivateKey, Result};

/// A PEM `CERTIFICATE REQUEST` for `key` with `spec`'s subject, signed with the key. The
/// extensionRequest attribute carries the SANs (only when there are any), and `spec`'s
/// KeyUsage/ExtendedKeyUsage when non-empty. Validity and `is_ca` are ignored.
pub fn certificate_signing_request_pem(spec: &CertificateSpec, key: &PrivateKey) -> Result<String> {
    todo!("{spec:?} {key:?}")
}
