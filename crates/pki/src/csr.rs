//! PKCS#10 certificate signing requests (certutil `csr` and the `http` wizard's CSR branch).

use crate::asn1;
use crate::oids;
use crate::{CertificateSpec, PrivateKey, Result};

/// A PEM `CERTIFICATE REQUEST` for `key` with `spec`'s subject, signed with the key. The
/// extensionRequest attribute carries the SANs (only when there are any), and `spec`'s
/// KeyUsage/ExtendedKeyUsage when non-empty. Validity and `is_ca` are ignored.
pub fn certificate_signing_request_pem(spec: &CertificateSpec, key: &PrivateKey) -> Result<String> {
    Ok(crate::pem::encode(
        "CERTIFICATE REQUEST",
        &[],
        &certificate_signing_request_der(spec, key)?,
    ))
}

/// The DER form of [`certificate_signing_request_pem`].
pub fn certificate_signing_request_der(
    spec: &CertificateSpec,
    key: &PrivateKey,
) -> Result<Vec<u8>> {
    let extensions = crate::cert::name_and_usage_extensions(spec)?;
    let attributes = if extensions.is_empty() {
        Vec::new()
    } else {
        let parts: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
        asn1::sequence(&[
            &asn1::oid(oids::EXTENSION_REQUEST),
            &asn1::set_of(&[&asn1::sequence(&parts)]),
        ])
    };
    let info = asn1::sequence(&[
        &asn1::small_integer(0),
        &spec.subject.to_der()?,
        &key.public_key_der()?,
        // attributes [0] IMPLICIT SET OF Attribute; present even when empty.
        &asn1::context_constructed(0, &attributes),
    ]);
    let (alg_id, signature) = key.sign(&info)?;
    Ok(asn1::sequence(&[
        &info,
        &alg_id,
        &asn1::bit_string(&signature),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::tests::spec;
    use crate::{ExtendedKeyUsage, KeyAlgorithm, KeyUsage};
    use aws_lc_rs::signature as lc_sig;
    use x509_parser::certification_request::X509CertificationRequest;
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    use x509_parser::prelude::FromDer as _;

    fn verify(
        csr: &X509CertificationRequest<'_>,
        algorithm: &'static dyn lc_sig::VerificationAlgorithm,
    ) -> bool {
        let spki = &csr.certification_request_info.subject_pki;
        lc_sig::UnparsedPublicKey::new(algorithm, &spki.subject_public_key.data)
            .verify(
                csr.certification_request_info.raw,
                &csr.signature_value.data,
            )
            .is_ok()
    }

    #[test]
    fn csr_carries_subject_key_names_and_usages() {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let mut s = spec("CN=node1,DC=example,DC=com", false);
        s.dns_names = vec!["node1.example.com".into()];
        s.ip_addresses = vec!["10.1.2.3".parse().unwrap()];
        s.key_usage = vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment];
        s.extended_key_usage = vec![ExtendedKeyUsage::ServerAuth];
        let pem = certificate_signing_request_pem(&s, &key).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
        let der = certificate_signing_request_der(&s, &key).unwrap();
        let (rest, csr) = X509CertificationRequest::from_der(&der).unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            csr.certification_request_info.subject.as_raw(),
            s.subject.to_der().unwrap().as_slice()
        );
        assert_eq!(
            csr.certification_request_info.subject_pki.raw,
            key.public_key_der().unwrap().as_slice()
        );
        assert!(verify(&csr, &lc_sig::ECDSA_P256_SHA256_ASN1));
        let extensions: Vec<_> = csr.requested_extensions().unwrap().collect();
        assert_eq!(extensions.len(), 3);
        let ParsedExtension::SubjectAlternativeName(san) = extensions[0] else {
            panic!("{:?}", extensions[0]);
        };
        assert_eq!(
            san.general_names,
            vec![
                GeneralName::IPAddress(&[10, 1, 2, 3]),
                GeneralName::DNSName("node1.example.com")
            ]
        );
        assert!(
            matches!(extensions[1], ParsedExtension::KeyUsage(ku) if ku.digital_signature() && ku.key_encipherment())
        );
        assert!(matches!(extensions[2], ParsedExtension::ExtendedKeyUsage(eku) if eku.server_auth));
    }

    #[test]
    fn csr_without_names_has_no_extension_request() {
        let key = PrivateKey::generate(KeyAlgorithm::Rsa { bits: 2048 }).unwrap();
        let der = certificate_signing_request_der(&spec("CN=instance", false), &key).unwrap();
        let (_, csr) = X509CertificationRequest::from_der(&der).unwrap();
        assert!(csr.certification_request_info.attributes().is_empty());
        assert!(verify(&csr, &lc_sig::RSA_PKCS1_2048_8192_SHA256));
    }
}
