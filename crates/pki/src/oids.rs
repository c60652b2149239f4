//! Object identifiers this crate writes or recognises. `*_DOTTED` constants are for
//! encoding; the byte constants are DER OID contents for comparing parsed input.

/// rsaEncryption.
pub(crate) const RSA_ENCRYPTION_DOTTED: &str = "1.2.840.113549.1.1.1";
/// rsaEncryption, DER content.
pub(crate) const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1];
/// id-ecPublicKey, DER content.
pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1];
/// prime256v1 / secp256r1, DER content.
pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7];
/// secp384r1, DER content.
pub(crate) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

/// sha256WithRSAEncryption.
pub(crate) const SHA256_WITH_RSA_DOTTED: &str = "1.2.840.113549.1.1.11";
/// ecdsa-with-SHA256.
pub(crate) const ECDSA_WITH_SHA256_DOTTED: &str = "1.2.840.10045.4.3.2";
/// ecdsa-with-SHA384.
pub(crate) const ECDSA_WITH_SHA384_DOTTED: &str = "1.2.840.10045.4.3.3";

/// Certificate extensions.
pub(crate) const SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";
pub(crate) const KEY_USAGE: &str = "2.5.29.15";
pub(crate) const SUBJECT_ALT_NAME: &str = "2.5.29.17";
pub(crate) const BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub(crate) const AUTHORITY_KEY_IDENTIFIER: &str = "2.5.29.35";
pub(crate) const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
pub(crate) const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
pub(crate) const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
/// commonName, used as the otherName type of certutil's `cn:` SANs.
pub(crate) const COMMON_NAME: &str = "2.5.4.3";
/// PKCS#9 extensionRequest (CSR attribute).
pub(crate) const EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn1;

    #[test]
    fn byte_constants_match_their_dotted_forms() {
        for (bytes, dotted) in [
            (RSA_ENCRYPTION, RSA_ENCRYPTION_DOTTED),
            (EC_PUBLIC_KEY, "1.2.840.10045.2.1"),
            (P256, "1.2.840.10045.3.1.7"),
            (P384, "1.3.132.0.34"),
        ] {
            assert_eq!(&asn1::oid(dotted)[2..], bytes, "{dotted}");
        }
    }
}
